"""Golden values: the default features of a fixed synthetic clip, per feature-set version.

``python tests/golden.py`` rewrites tests/data/golden.json. Do that only
together with a bump of ``musicfeat.FEATURE_SET_VERSION``: the golden file
is how a changed definition is noticed.
"""

import hashlib
import json
from pathlib import Path

import numpy as np

PATH = Path(__file__).parent / "data" / "golden.json"
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


if __name__ == "__main__":
    main()
