"""A.1: zero crossings of the waveform."""

import numpy as np

from ..stats import moments
from ._base import ClipTransformer, stat_names


class ZeroCrossingFeatures(ClipTransformer):
    """Zero-crossing rate of the waveform (2 features).

    Per frame of ``n_fft`` samples (centred, hop ``hop_length``), the
    fraction of samples whose sign differs from the previous one, as
    ``librosa.feature.zero_crossing_rate(y, frame_length=n_fft,
    hop_length=hop_length)``. Features: mean and std over frames.

    Parameters
    ----------
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error
        As in :class:`HPSSFeatures` (only the first three matter here).

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import ZeroCrossingFeatures
    >>> sr = 22050
    >>> tone = np.sin(2 * np.pi * 441 * np.arange(sr) / sr + 0.1).astype(np.float32)
    >>> rate = ZeroCrossingFeatures().fit_transform([tone])[0, 0]
    >>> bool(840 < rate * sr < 890)  # two per period, 882/s, fewer in the padded edge frames
    True
    """

    def _feature_names(self):
        return stat_names("zero_crossing_rate", ("mean", "std"))

    def _features(self, spectra):
        import librosa

        c = spectra.config
        zcr = librosa.feature.zero_crossing_rate(spectra.y, frame_length=c.n_fft, hop_length=c.hop_length)
        return moments(zcr.ravel())[:2]
