"""Spectral shape: centroid, bandwidth and contrast of the magnitude spectrogram.

The room of one feature group, with its blockwise centroid/bandwidth and
its partition-based contrast (both equal to librosa's).
"""

import numpy as np

from ..blockwise import as_float64, project_frames
from ..dsp import power_to_db
from ..stats import moments
from ..streaming import FrameSeries
from ._base import ClipTransformer, stat_descriptions, stat_names
from ._frames import smallest_n_fft

CONTRAST_FMIN = 200.0
CONTRAST_BANDS = 6


def contrast_bands(sr, fmin=CONTRAST_FMIN, n_bands=CONTRAST_BANDS):
    """Octave bands of spectral contrast: 6, or fewer where Nyquist cuts them off.

    librosa requires ``fmin * 2**(n_bands - 1) < sr / 2``; this is the
    largest ``n_bands <= 6`` that satisfies it (at least 1).

    Examples
    --------
    >>> from musicfeat.groups.spectral import contrast_bands
    >>> contrast_bands(22050), contrast_bands(8000)
    (6, 5)
    """
    while n_bands > 1 and fmin * 2 ** (n_bands - 1) >= sr / 2:
        n_bands -= 1
    return n_bands


def centroid_and_bandwidth(S, freqs):
    """``librosa.feature.spectral_centroid`` and ``spectral_bandwidth`` (p=2) of S.

    From three float64 sums per frame, ``s0 = sum S``, ``s1 = sum f S`` and
    ``s2 = sum f^2 S``: ``c = s1 / s0`` and
    ``b = sqrt((s2 - 2 c s1 + c^2 s0) / s0)``. A frame whose sum is below
    the smallest normal number of S's dtype is not normalised, as in
    librosa's ``util.normalize`` (silence gives 0 and 0).

    Returns
    -------
    centroid, bandwidth : np.ndarray [shape=(t,)], float64
    """
    weights = np.vstack([np.ones_like(freqs), freqs, freqs * freqs])
    moments_by_frame = project_frames(weights, S, as_float64, np.float64)
    s0, s1, s2 = moments_by_frame
    norm = np.where(s0 < np.finfo(S.dtype).tiny, 1.0, s0)
    centroid = s1 / norm
    spread = (s2 - 2.0 * centroid * s1 + centroid * centroid * s0) / norm
    return centroid, np.sqrt(np.maximum(spread, 0.0))


def contrast_band_bins(sr, n_fft, n_bands=CONTRAST_BANDS, fmin=CONTRAST_FMIN, quantile=0.02):
    """librosa's bins of each contrast band: ``(first, last, idx)``, the band ``S[first:last]`` and its quantile count.

    Raises
    ------
    ValueError
        When a band holds no bin (``n_fft`` too short for ``sr``).

    Examples
    --------
    >>> from musicfeat.groups.spectral import contrast_band_bins
    >>> contrast_band_bins(22050, 2048)[:2]
    [(0, 18, 1), (18, 37, 1)]
    """
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    octaves = np.zeros(n_bands + 2)
    octaves[1:] = fmin * (2.0 ** np.arange(0, n_bands + 1))
    bands = []
    for k, (f_low, f_high) in enumerate(zip(octaves[:-1], octaves[1:], strict=True)):
        members = np.flatnonzero((freqs >= f_low) & (freqs <= f_high))
        if not members.size:
            raise ValueError(f"no STFT bin between {f_low:g} Hz and {f_high:g} Hz at n_fft={n_fft}")
        first, last = int(members[0]), int(members[-1]) + 1
        if k > 0:
            first -= 1  # librosa also takes the bin just below the band
        if k == n_bands:
            last = freqs.size  # and the last band runs to Nyquist
        idx = max(int(np.rint(quantile * (last - first))), 1)  # counted before the top bin is dropped
        if k < n_bands:
            last -= 1
        if last <= first:
            raise ValueError(f"no STFT bin between {f_low:g} Hz and {f_high:g} Hz at n_fft={n_fft}")
        bands.append((first, last, idx))
    return bands


def _contrast_fits(sr, n_fft):
    try:
        contrast_band_bins(sr, n_fft, n_bands=contrast_bands(sr))
    except ValueError:
        return False
    return True


def spectral_contrast(S, sr, n_fft, n_bands=CONTRAST_BANDS, fmin=CONTRAST_FMIN, quantile=0.02):
    """``librosa.feature.spectral_contrast(S=S, sr=sr, n_fft=n_fft, ...)``, partitioning instead of sorting.

    Each octave band's valley and peak are the means of its ``idx`` lowest
    and highest bins per frame (librosa's band edges and ``idx``); only
    those sets matter, so ``np.partition`` replaces the full sort.

    Returns
    -------
    np.ndarray [shape=(n_bands + 1, t)], float64
    """
    peak, valley = contrast_peak_valley(S, sr, n_fft, n_bands, fmin, quantile)
    return power_to_db(peak) - power_to_db(valley)


def contrast_peak_valley(S, sr, n_fft, n_bands=CONTRAST_BANDS, fmin=CONTRAST_FMIN, quantile=0.02):
    """The per-frame step of :func:`spectral_contrast`: each band's peak and valley power, before the dB floor.

    Returns
    -------
    peak, valley : np.ndarray [shape=(n_bands + 1, t)], float64
    """
    bands = contrast_band_bins(sr, n_fft, n_bands, fmin, quantile)
    valley = np.zeros((n_bands + 1, S.shape[-1]))
    peak = np.zeros_like(valley)
    for k, (first, last, idx) in enumerate(bands):
        band = S[first:last]
        n = band.shape[0]
        parted = np.partition(band, sorted({idx - 1, n - idx}), axis=0)
        valley[k] = parted[:idx].mean(axis=0)
        peak[k] = parted[n - idx :].mean(axis=0)
    return peak, valley


class SpectralFeatures(ClipTransformer):
    """Spectral centroid, bandwidth and contrast (6 features).

    On the magnitude spectrogram ``S`` with bin frequencies ``f_k``:

    .. math::

        c_t = \\frac{\\sum_k f_k S_{k,t}}{\\sum_k S_{k,t}},\\qquad
        b_t = \\left(\\frac{\\sum_k S_{k,t} (f_k - c_t)^2}{\\sum_k S_{k,t}}\\right)^{1/2}

    as ``librosa.feature.spectral_centroid`` and ``spectral_bandwidth``
    (a silent frame has centroid and bandwidth 0), and the spectral contrast
    of ``librosa.feature.spectral_contrast(S=S, sr=sr)`` (peak-to-valley
    level, 6 octave bands from 200 Hz plus the rest), pooled over bands and
    frames. Features: mean and std over frames of each.

    librosa needs every octave edge but the last below Nyquist, which 6
    bands from 200 Hz meet only for ``sr > 12800``. At lower rates the
    contrast uses the most octave bands that fit (:func:`contrast_bands`);
    the two pooled features keep their meaning and the vector its length.

    Parameters
    ----------
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration, engine
        As in :class:`HPSSFeatures`.

    References
    ----------
    .. [1] D.-N. Jiang et al., "Music type classification by spectral
       contrast feature", Proc. ICME, 2002.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import SpectralFeatures
    >>> sr = 22050
    >>> tone = np.sin(2 * np.pi * 1000 * np.arange(sr) / sr).astype(np.float32)
    >>> row = SpectralFeatures().fit_transform([tone])[0]
    >>> bool(950 < row[0] < 1050)  # the centroid of a 1 kHz tone
    True
    """

    def _smallest_n_fft(self, sr):
        return smallest_n_fft(
            _contrast_fits, sr
        ), "the spectral contrast needs an STFT bin in each octave band"

    def feature_names(self):
        stats = ("mean", "std")
        return (
            stat_names("spectral_centroid", stats)
            + stat_names("spectral_bandwidth", stats)
            + stat_names("spectral_contrast", stats)
        )

    def feature_descriptions(self):
        stats = ("mean", "std")
        bands = contrast_bands(self.sr) + 1  # the octave bands and the rest above them
        return (
            stat_descriptions("spectral centroid of S (`librosa.feature.spectral_centroid`)", stats)
            + stat_descriptions("spectral bandwidth of S (`librosa.feature.spectral_bandwidth`, p=2)", stats)
            + stat_descriptions(
                f"spectral contrast of S, pooled over its {bands} bands (`librosa.feature.spectral_contrast`)",
                stats,
            )
        )

    def accumulator(self, config):
        n_bands = contrast_bands(config.sr)

        def per_block(block):
            centroid, bandwidth = centroid_and_bandwidth(block.S, block.frequencies)
            return (centroid, bandwidth, *contrast_peak_valley(block.S, config.sr, config.n_fft, n_bands))

        return FrameSeries(per_block, _spectral_row)


def _spectral_row(centroid, bandwidth, peak, valley):
    contrast = power_to_db(peak) - power_to_db(valley)  # floored at the clip's maxima
    return np.concatenate([moments(centroid)[:2], moments(bandwidth)[:2], moments(contrast.ravel())[:2]])
