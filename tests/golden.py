"""Golden values: the default features of a fixed synthetic clip, per feature-set version.

``python tests/golden.py`` rewrites tests/data/golden.json. Do that only
together with a bump of ``musicfeat.FEATURE_SET_VERSION``: the golden file
is how a changed definition is noticed. ``python tests/golden.py extended``
rewrites tests/data/golden_extended.json (the ``'extended'`` set, fitted on
:func:`golden_training_clips`), only together with a bump of its version
(``EXTENDED_VERSION`` in musicfeat/groups/registry.py).
"""

import hashlib
import json
from pathlib import Path

import numpy as np

PATH = Path(__file__).parent / "data" / "golden.json"
EXTENDED_PATH = Path(__file__).parent / "data" / "golden_extended.json"
SR = 22050


def golden_clip():
    """Eight seconds of chord, clicks and noise, bit-reproducible."""
    rng = np.random.default_rng(2024)
    t = np.arange(8 * SR) / SR
    chord = sum(0.2 * np.sin(2 * np.pi * f * t) for f in (220.0, 277.18, 329.63))
    clicks = np.zeros_like(t)
    clicks[:: SR // 2] = 0.8
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 0.25 * t)
    return (envelope * chord + clicks + 0.02 * rng.standard_normal(t.size)).astype(np.float32)


def golden_training_clips():
    """The golden clip and two more of its kind (other chords, tempo and noise): what the codebook learns from."""
    rng = np.random.default_rng(2025)
    t = np.arange(6 * SR) / SR
    clips = [golden_clip()]
    for freqs, step, level in (
        ((196.0, 246.94, 293.66), SR // 3, 0.05),
        ((330.0, 415.3, 493.88), SR // 5, 0.01),
    ):
        chord = sum(0.15 * np.sin(2 * np.pi * f * t) for f in freqs)
        clicks = np.zeros_like(t)
        clicks[::step] = 0.6
        clips.append((chord + clicks + level * rng.standard_normal(t.size)).astype(np.float32))
    return clips


def extended_features():
    """``(names, row)``: the 'extended' features of the golden clip, fitted on the training clips."""
    import musicfeat

    mf = musicfeat.MusicFeatures(feature_set="extended").fit(golden_training_clips())
    return [str(n) for n in mf.get_feature_names_out()], mf.transform([golden_clip()])[0], mf


def names_digest(names):
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def main():
    import musicfeat

    mf = musicfeat.MusicFeatures()
    names = [str(n) for n in mf.get_feature_names_out()]
    row = mf.fit_transform([golden_clip()])[0]
    PATH.write_text(
        json.dumps(
            {
                "feature_set_version": musicfeat.FEATURE_SET_VERSION,
                "names_sha256": names_digest(names),
                "values": dict(zip(names, row.tolist(), strict=True)),
            },
            indent=1,
        )
        + "\n"
    )


def main_extended():
    names, row, mf = extended_features()
    EXTENDED_PATH.write_text(
        json.dumps(
            {
                "feature_set_version": mf.feature_set_version_,
                "names_sha256": names_digest(names),
                "values": dict(zip(names, row.tolist(), strict=True)),
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    import sys

    main_extended() if sys.argv[1:] == ["extended"] else main()
