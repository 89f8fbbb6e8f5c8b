"""Zero crossings of the waveform: the one group that needs no spectrogram.

The room of one feature group: the zero-crossing rate, counted in O(n).
"""

import numpy as np

from ..stats import moments
from ._base import ClipTransformer, stat_descriptions, stat_names

#: librosa's zero_crossing_rate threshold: smaller magnitudes count as +0.
ZERO_THRESHOLD = 1e-10


def zero_crossing_rate(y, frame_length, hop_length):
    """``librosa.feature.zero_crossing_rate(y, frame_length, hop_length)[0]``, in O(n).

    The centred frames of ``y`` padded by edge values; in each, the number of
    neighbouring pairs whose signs differ (samples of magnitude at most
    1e-10 count as positive zero) over ``frame_length``. Counted once per
    sample with a cumulative sum rather than once per frame.

    Returns
    -------
    np.ndarray [shape=(t,)], float64
    """
    padded = np.pad(y, frame_length // 2, mode="edge")
    negative = padded < -y.dtype.type(ZERO_THRESHOLD)
    # crossings[t]: sign changes between samples 0..t (int32: a clip has < 2**31 samples)
    crossings = np.zeros(padded.size, dtype=np.int32)
    np.cumsum(negative[1:] != negative[:-1], dtype=np.int32, out=crossings[1:])
    n_frames = 1 + (padded.size - frame_length) // hop_length
    starts = np.arange(n_frames) * hop_length
    # pairs (t-1, t) with t in start+1 .. start+frame_length-1
    counts = crossings[starts + frame_length - 1] - crossings[starts]
    return counts / frame_length


class ZeroCrossingFeatures(ClipTransformer):
    """Zero-crossing rate of the waveform (2 features).

    Per frame of ``n_fft`` samples (centred, hop ``hop_length``), the
    fraction of samples whose sign differs from the previous one, as
    ``librosa.feature.zero_crossing_rate(y, frame_length=n_fft,
    hop_length=hop_length)``. Features: mean and std over frames.

    Parameters
    ----------
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration
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

    def _feature_descriptions(self):
        return stat_descriptions(
            "zero-crossing rate of the waveform (`librosa.feature.zero_crossing_rate`)", ("mean", "std")
        )

    def _features(self, spectra):
        c = spectra.config
        return moments(zero_crossing_rate(spectra.y, c.n_fft, c.hop_length))[:2]
