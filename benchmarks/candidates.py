"""Issue 20's candidate representations, computed in the benchmark from musicfeat's STFT.

Not groups yet (the group protocol is being rewritten): each clip's STFT
magnitude is musicfeat's (``Spectra(y).S``: n_fft 2048, hop 512 at
22,050 Hz, about 43 frames a second), and the summaries are
``musicfeat.summaries``' accumulators fed the whole clip (the same as any
cut of it: tests/test_summaries.py). Log power is ``10 log10(max(P,
1e-10))``, with no floor relative to the clip's maximum, so it streams.

``speccov`` (Bergstra, Mandel and Eck 2010)
    log power in 32 mel bands (Slaney, librosa's filters); mean and upper
    triangle of the covariance over frames: 32 + 528 = 560 columns.
``gauss`` (Mandel and Ellis 2005)
    20 MFCC (DCT-II of log power in 128 mel bands, as ``librosa.feature.mfcc``
    with these dB); mean and upper triangle of the full covariance:
    20 + 210 = 230 columns.
``blocks`` (Seyerlehner, Widmer and Pohle 2010)
    log power in 40 mel bands; SP, DSP, VDSP (blocks of 10, 13, 13 frames,
    hop 5), LFP (512 frames, hop 128, 12 modulation bands 0.5-10 Hz), CP (the
    40 bands pooled to 20 by pairs; 256 frames, hop 128), SCP (10 sub-bands
    of 4 mel bands, the top and bottom band of each; 40 frames, hop 20),
    summarised over blocks by the 90th, 90th, variance, 60th, 50th and 10th
    percentiles (``SEYERLEHNER_2010``): 400 + 400 + 400 + 480 + 190 + 400 =
    2270 columns. The paper's cent-scaled spectrum has 97 bands and its
    patterns 9,448 values; these are smaller on purpose (cost and width).
"""

import functools
import hashlib
import time
from pathlib import Path

import numpy as np

SR, N_FFT, HOP = 22050, 2048, 512
GROUPS = ("speccov", "gauss", "blocks")
#: Changes whenever the values may: part of the cache key with the digest of summaries.py.
VERSION = "cand.1"


def _mel(n_mels):
    import librosa

    return librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=n_mels).astype(np.float64)


@functools.cache
def _filters():
    return {n: _mel(n) for n in (32, 40, 128)}


def _db(P):
    return 10.0 * np.log10(np.maximum(P, 1e-10))


def _blocks(X):
    from musicfeat.summaries import SEYERLEHNER_2010, BlockPatterns, contrast_pattern, fluctuation_pattern

    pooled = 0.5 * (X[0::2] + X[1::2])  # 40 -> 20 bands for the correlation pattern
    out = {}
    for name, pattern, block, hop, summary, q in SEYERLEHNER_2010:
        frames = X
        if name == "lfp":
            pattern = functools.partial(fluctuation_pattern, frame_rate=SR / HOP, n_bins=12)
        elif name == "scp":
            pattern = functools.partial(contrast_pattern, n_subbands=10, alpha=0.25)
        elif name == "cp":
            frames = pooled
        out[name] = (
            BlockPatterns(pattern, block, hop, summary, q if q is not None else 50.0).add(frames).finish()
        )
    return out


def compute(y, groups=GROUPS):
    """``{group: {part: vector}}`` of one mono waveform at 22,050 Hz."""
    import librosa

    from musicfeat import Spectra
    from musicfeat.summaries import MeanCovariance, covariance_summary

    P = np.asarray(Spectra(np.asarray(y, dtype=np.float32)).S, dtype=np.float64) ** 2
    mel = _filters()
    out = {}
    if "speccov" in groups:
        X = _db(mel[32] @ P)
        out["speccov"] = {"cov": covariance_summary(MeanCovariance(32).add(X))}
    if "gauss" in groups:
        M = librosa.feature.mfcc(S=_db(mel[128] @ P), n_mfcc=20)
        out["gauss"] = {"cov": covariance_summary(MeanCovariance(20).add(M))}
    if "blocks" in groups:
        out["blocks"] = _blocks(_db(mel[40] @ P))
    return out


class CandidateSet:
    """The three candidates as one benchmark set whose groups are column ranges (``features.FeatureSet``)."""

    name = "cand"
    addon = True  # its groups are appended to other sets, never scored alone
    learner_names = ()

    def available(self):
        return True, ""

    def cache_id(self):
        import musicfeat

        code = (Path(musicfeat.__file__).parent / "summaries.py").read_bytes() + Path(__file__).read_bytes()
        return f"cand-{VERSION}-{hashlib.sha1(code).hexdigest()[:10]}"

    def _layout(self):
        if not hasattr(self, "_names"):
            rng = np.random.default_rng(0)
            parts = compute(0.1 * rng.standard_normal(13 * SR).astype(np.float32))
            self._names, self._groups, start = [], {}, 0
            for group in GROUPS:
                n0 = len(self._names)
                for part, v in parts[group].items():
                    self._names += [f"{group}_{part}_{i}" for i in range(len(v))]
                self._groups[group] = np.arange(n0, len(self._names))
                start = len(self._names)
            assert start == len(self._names)
        return self._names, self._groups

    def names(self):
        return list(self._layout()[0])

    def group_columns(self):
        return dict(self._layout()[1])

    def extract(self, y):
        parts = compute(y)
        return {"row": np.concatenate([v for g in GROUPS for v in parts[g].values()])}

    def time_groups(self, paths):
        """CPU seconds of each group alone on ``paths``, decoding and STFT included."""
        from musicfeat import load_audio

        out = {}
        for group in GROUPS:
            start = time.process_time()
            for path in paths:
                compute(_load(path, load_audio), (group,))
            out[group] = time.process_time() - start
        return out


def _load(path, load_audio):
    from musicfeat import InvalidAudioError

    try:
        return load_audio(path, SR)
    except InvalidAudioError:
        import librosa

        return librosa.load(path, sr=SR, mono=True)[0]
