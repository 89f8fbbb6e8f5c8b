"""One item of X to a mono float32 waveform at the analysis rate: the stream decoder read whole.

There is one decoder (:func:`~musicfeat.io.open_stream`): :func:`load_audio`
is its chunks joined, so a clip's waveform is the same whichever engine
reads it. Every failure on the way, running out of memory included, is the
item's :class:`~musicfeat.InvalidAudioError`; the bounds of
:mod:`musicfeat.io.limits` are checked before the allocation they bound.
"""

from .limits import DEFAULT_MAX_DURATION, RES_TYPE, check_sr
from .stream import open_stream

__all__ = ["load_audio", "check_sr", "RES_TYPE"]


def load_audio(item, sr, *, index=None, max_duration=DEFAULT_MAX_DURATION):
    """Load one item of X as a mono float32 waveform at ``sr`` Hz.

    Stereo and multichannel files are mixed down by the channel mean, other
    rates resampled with soxr (``soxr_hq``), exactly as
    ``librosa.load(path, sr=sr, mono=True)``. A file's header is checked
    before it is decoded (:func:`musicfeat.io.open_audio`). This is
    ``open_stream(item, sr).whole()``.

    Parameters
    ----------
    item : str, bytes, PathLike, binary file object, np.ndarray or (np.ndarray, float)
        The clip. Files and ``(waveform, rate)`` pairs must have a sample
        rate within :data:`musicfeat.io.SAMPLE_RATE_RANGE` (1 kHz to 768 kHz).
    sr : int
        Target sample rate in Hz.
    index : int, optional
        Position of the item in X, for error messages.
    max_duration : float or None, default=14400.0
        Longest clip accepted, in seconds (4 hours by default); None for no
        limit. Checked from a file's header before decoding, and while
        decoding against a header that understates the length.

    Returns
    -------
    y : np.ndarray [shape=(n,), dtype=float32]
        Finite, non-empty mono waveform.

    Raises
    ------
    InvalidAudioError
        If the item is missing, not a regular file, undecodable, truncated,
        empty, non-finite, not 1-D, not floating point, beyond
        :data:`~musicfeat.io.items.MAX_SAMPLE`, at a sample rate out of
        range, longer than ``max_duration``, or too large for the memory left.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.io import load_audio
    >>> load_audio((np.ones(8), 16000), sr=8000).shape
    (4,)
    """
    check_sr(sr, "load_audio")
    with open_stream(item, sr, index=index, max_duration=max_duration) as stream:
        return stream.whole()
