"""A.1: spectral shape."""

import numpy as np

from ..stats import moments
from ._base import ClipTransformer, stat_names


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
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error
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

    def _feature_names(self):
        stats = ("mean", "std")
        return (
            stat_names("spectral_centroid", stats)
            + stat_names("spectral_bandwidth", stats)
            + stat_names("spectral_contrast", stats)
        )

    def _features(self, spectra):
        import librosa

        c = spectra.config
        S = spectra.S
        common = {"S": S, "sr": c.sr, "n_fft": c.n_fft, "hop_length": c.hop_length}
        centroid = librosa.feature.spectral_centroid(**common)
        bandwidth = librosa.feature.spectral_bandwidth(**common, centroid=centroid)
        contrast = librosa.feature.spectral_contrast(**common, n_bands=contrast_bands(c.sr))
        return np.concatenate(
            [moments(centroid.ravel())[:2], moments(bandwidth.ravel())[:2], moments(contrast.ravel())[:2]]
        )
