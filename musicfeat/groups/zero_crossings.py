"""Zero crossings of the waveform: the one group that needs no spectrogram.

The room of one feature group: the zero-crossing rate, counted in O(n).
"""

import numpy as np

from ..stats import moments
from ..streaming import FrameSeries
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
    n_frames = 1 + (padded.size - frame_length) // hop_length
    return _rate_of_padded(padded, n_frames, frame_length, hop_length)


def _rate_of_padded(padded, n_frames, frame_length, hop_length):
    # The first n_frames frames of a stretch of the edge-padded signal that starts at a frame.
    negative = padded < -padded.dtype.type(ZERO_THRESHOLD)
    # crossings[t]: sign changes between samples 0..t (int32: a clip has < 2**31 samples)
    crossings = np.zeros(padded.size, dtype=np.int32)
    np.cumsum(negative[1:] != negative[:-1], dtype=np.int32, out=crossings[1:])
    starts = np.arange(n_frames) * hop_length
    # pairs (t-1, t) with t in start+1 .. start+frame_length-1
    counts = crossings[starts + frame_length - 1] - crossings[starts]
    return counts / frame_length


def block_zero_crossing_rate(block, frame_length, hop_length):
    """:func:`zero_crossing_rate` of a clip's frames ``[block.start, block.stop)``, from the block's samples.

    Frame ``t`` covers samples ``t * hop - frame_length // 2`` to that plus
    ``frame_length``; beyond the clip's ends they take its first and last
    values (librosa's edge padding). Counts are integers: equal to the
    whole clip's, whatever the blocks.
    """
    pad = frame_length // 2
    lo = block.start * hop_length - pad
    hi = (block.stop - 1) * hop_length - pad + frame_length
    end = hi if block.n_samples is None else min(hi, block.n_samples)
    core = block.y[max(lo, 0) - block.y_start : end - block.y_start]
    padded = np.pad(core, (max(0, -lo), hi - end), mode="edge")
    return _rate_of_padded(padded, block.stop - block.start, frame_length, hop_length)


class ZeroCrossingFeatures(ClipTransformer):
    """Zero-crossing rate of the waveform (2 features).

    Per frame of ``n_fft`` samples (centred, hop ``hop_length``), the
    fraction of samples whose sign differs from the previous one, as
    ``librosa.feature.zero_crossing_rate(y, frame_length=n_fft,
    hop_length=hop_length)``. Features: mean and std over frames.

    Parameters
    ----------
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration, engine
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

    def feature_names(self):
        return stat_names("zero_crossing_rate", ("mean", "std"))

    def feature_descriptions(self):
        return stat_descriptions(
            "zero-crossing rate of the waveform (`librosa.feature.zero_crossing_rate`)", ("mean", "std")
        )

    def accumulator(self, config):
        return FrameSeries(
            lambda block: block_zero_crossing_rate(block, config.n_fft, config.hop_length),
            lambda rate: moments(rate)[:2],
        )
