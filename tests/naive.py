"""The spec, written the plain way: librosa and scipy calls, no cleverness.

Every musicfeat feature is compared with this module. It follows the
feature reference (docs/features.md) and the front end of docs/contract.md
line by line and is deliberately slow: ``librosa.decompose.hpss`` (scipy's
median filter), ``librosa.feature.*`` on full arrays, ``scipy.stats``
on explicit sliding windows.
"""

import warnings

import librosa
import numpy as np
import scipy.ndimage
import scipy.stats
from numpy.lib.stride_tricks import sliding_window_view

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
TONNETZ = ("fifth_x", "fifth_y", "minor_x", "minor_y", "major_x", "major_y")
SERIES = ("poly_gradient", "poly_constant", "harmonic", "percussive")


def stats4(x):
    """mean, population std, biased skew and kurtosis; scipy's NaN becomes 0."""
    x = np.asarray(x, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # precision-loss NaN, 0 by the spec
        skew = scipy.stats.skew(x, bias=True) if x.size >= 2 else np.nan
        kurt = scipy.stats.kurtosis(x, fisher=True, bias=True) if x.size >= 2 else np.nan
    return [np.mean(x), np.std(x), 0.0 if np.isnan(skew) else skew, 0.0 if np.isnan(kurt) else kurt]


def rolling_moments(x, width):
    """Std, skew and excess kurtosis of every window of ``width`` frames (one window if shorter).

    Explicit windows and scipy.stats; scipy's NaN (a window of one value, or
    precision loss on a near-constant window) becomes 0, as the spec says.
    """
    x = np.asarray(x, dtype=np.float64)
    width = min(width, x.size)
    windows = sliding_window_view(x, width)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        skew = scipy.stats.skew(windows, axis=1, bias=True)
        kurt = scipy.stats.kurtosis(windows, axis=1, fisher=True, bias=True)
    if width < 2:
        skew = np.full(len(windows), np.nan)
        kurt = np.full(len(windows), np.nan)
    return windows.std(axis=1), np.nan_to_num(skew, nan=0.0), np.nan_to_num(kurt, nan=0.0)


def windowed(x, width):
    """Mean over every window of W frames of std, skew and kurtosis."""
    return [series.mean() for series in rolling_moments(x, width)]


def band_members(B, sr, n_fft, fmin=20.0, fmax=10000.0):
    edges = np.geomspace(fmin, min(fmax, sr / 2), B + 1)
    freqs = np.arange(1 + n_fft // 2) * sr / n_fft
    bands = []
    for i in range(B):
        members = [
            k for k, f in enumerate(freqs) if edges[i] <= f < edges[i + 1] or (i == B - 1 and f == edges[B])
        ]
        if not members:
            centre = np.sqrt(edges[i] * edges[i + 1])
            members = [int(np.argmin(np.abs(freqs - centre)))]
        bands.append(members)
    return bands


def naive_features(
    y,
    sr=22050,
    n_fft=2048,
    hop_length=512,
    kernel_size=31,
    band_counts=(4, 11, 24),
    window_seconds=(0.5, 1, 3, 5),
):
    """The feature dict of docs/features.md for a mono float32 waveform at ``sr``."""
    f = {}
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop_length))
    H, P = librosa.decompose.hpss(S, kernel_size=kernel_size, power=2.0, margin=1.0)

    # A.1
    rms_p = librosa.feature.rms(S=P, frame_length=n_fft, hop_length=hop_length)[0]
    rms_h = librosa.feature.rms(S=H, frame_length=n_fft, hop_length=hop_length)[0]
    for name, series in (("rms_percussive", rms_p), ("rms_harmonic", rms_h)):
        for stat, value in zip(("mean", "std", "skew", "kurtosis"), stats4(series), strict=True):
            f[f"{name}_{stat}"] = value
    kw = {"sr": sr, "n_fft": n_fft, "hop_length": hop_length}
    centroid = librosa.feature.spectral_centroid(S=S, **kw)
    bandwidth = librosa.feature.spectral_bandwidth(S=S, **kw)
    # 6 octave bands from 200 Hz, or as many as fit below Nyquist (low rates).
    n_bands = 6
    while n_bands > 1 and 200 * 2 ** (n_bands - 1) >= sr / 2:
        n_bands -= 1
    contrast = librosa.feature.spectral_contrast(S=S, n_bands=n_bands, **kw)
    poly = librosa.feature.poly_features(S=H, order=1, **kw)
    zcr = librosa.feature.zero_crossing_rate(y, frame_length=n_fft, hop_length=hop_length)
    mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=P**2, **kw))
    onset = librosa.onset.onset_strength(S=mel_db, **kw)
    for name, series in (
        ("spectral_centroid", centroid),
        ("spectral_bandwidth", bandwidth),
        ("spectral_contrast", contrast),
        ("poly_gradient", poly[0]),
        ("poly_constant", poly[1]),
        ("zero_crossing_rate", zcr),
        ("onset_strength", onset),
    ):
        f[f"{name}_mean"] = np.mean(series, dtype=np.float64)
        f[f"{name}_std"] = np.std(series, dtype=np.float64)
    if np.any(onset > 0):
        f["tempo_bpm"] = librosa.feature.tempo(onset_envelope=onset, sr=sr, hop_length=hop_length)[0]
    else:
        f["tempo_bpm"] = 0.0

    # A.2
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Trying to estimate tuning from empty", category=UserWarning
        )
        chroma = librosa.feature.chroma_stft(S=H**2, **kw)
    tonnetz = librosa.feature.tonnetz(chroma=chroma)
    for stat, fn in (("mean", np.mean), ("std", np.std)):
        for i, pc in enumerate(PITCH_CLASSES):
            f[f"chroma_{pc}_{stat}"] = fn(chroma[i], dtype=np.float64)
    for stat, fn in (("mean", np.mean), ("std", np.std)):
        for i, dim in enumerate(TONNETZ):
            f[f"tonnetz_{dim}_{stat}"] = fn(tonnetz[i], dtype=np.float64)

    # A.3
    H64, P64 = H.astype(np.float64), P.astype(np.float64)
    for B in band_counts:
        for i, members in enumerate(band_members(B, sr, n_fft)):
            for part, X in (("harmonic", H64), ("percussive", P64)):
                energy = np.sqrt(np.mean(X[members] ** 2, axis=0))
                for stat, value in zip(("mean", "std", "skew", "kurtosis"), stats4(energy), strict=True):
                    f[f"band{B}_{i}_{part}_{stat}"] = value

    # A.4
    series = {"poly_gradient": poly[0], "poly_constant": poly[1], "harmonic": rms_h, "percussive": rms_p}
    for w in window_seconds:
        width = max(2, round(w * sr / hop_length))
        for name in SERIES:
            for stat, value in zip(("std", "skew", "kurtosis"), windowed(series[name], width), strict=True):
                f[f"win{round(w * 1000)}ms_{name}_{stat}"] = value
    return f


def naive_median_filter(x, size, axis):
    """Median along one axis by explicit symmetric padding and sorting."""
    x = np.moveaxis(np.asarray(x), axis, -1)
    half = size // 2
    padded = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, size - 1 - half)], mode="symmetric")
    med = np.sort(sliding_window_view(padded, size, axis=-1), axis=-1)[..., size // 2]
    return np.moveaxis(med, -1, axis)


def scipy_median_filter(x, size, axis):
    shape = [1] * x.ndim
    shape[axis] = size
    return scipy.ndimage.median_filter(x, size=shape, mode="reflect")
