"""One item of X to a mono float32 waveform at the analysis rate: decode, mix down, resample.

Every failure on the way, running out of memory included, is the item's
:class:`~musicfeat.InvalidAudioError`; the bounds of
:mod:`musicfeat.io.limits` are checked before the allocation they bound.
"""

import os
from contextlib import contextmanager
from numbers import Integral

import numpy as np

from ..dsp import resample
from .files import open_audio
from .items import check_waveform, finite_float32, item_error
from .limits import DEFAULT_MAX_DURATION, SAMPLE_RATE_RANGE, duration_problem, rate_problem

__all__ = ["load_audio", "check_sr", "RES_TYPE"]

#: Resampler of the spec (librosa's default).
RES_TYPE = "soxr_hq"


def load_audio(item, sr, *, index=None, max_duration=DEFAULT_MAX_DURATION):
    """Load one item of X as a mono float32 waveform at ``sr`` Hz.

    Stereo and multichannel files are mixed down by the channel mean, other
    rates resampled with soxr (``soxr_hq``), exactly as
    ``librosa.load(path, sr=sr, mono=True)``. A file's header is checked
    before it is decoded (:func:`musicfeat.io.open_audio`).

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
        empty, non-finite, not 1-D, not floating point, out of float32's
        range, at a sample rate out of range, longer than ``max_duration``,
        or too large for the memory left.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.io import load_audio
    >>> load_audio((np.ones(8), 16000), sr=8000).shape
    (4,)
    """
    check_sr(sr, "load_audio")
    if isinstance(item, (str, bytes, os.PathLike)):
        item = os.path.expanduser(item)  # "~/song.ogg" as a shell reads it
    if isinstance(item, (str, bytes, os.PathLike)) or hasattr(item, "read"):
        with open_audio(item, index=index, max_duration=max_duration) as audio:
            y, rate = audio.read_mono(), audio.header.rate
        if y.size == 0:
            raise item_error(index, item, "the file holds no audio: it is empty (zero samples)")
    elif isinstance(item, tuple):
        if len(item) != 2:
            raise item_error(index, item, "a tuple item must be (waveform, sample_rate)")
        y, rate = item
        y = check_waveform(y, index, item)
        problem = rate_problem(rate)
        if problem:
            raise item_error(index, item, problem)
    else:
        y = check_waveform(item, index, item)
        rate = sr
    y = finite_float32(y, index, item)
    problem = duration_problem(y.size, rate, max_duration)
    if problem:
        raise item_error(index, item, problem)
    if rate != sr:
        with _failures_are_the_items(index, item, f"resampling it from {rate:g} Hz to {sr} Hz"):
            y = resample(y, rate, sr, quality=RES_TYPE)
        if y.size == 0:
            raise item_error(index, item, f"the audio is too short to resample from {rate:g} Hz to {sr} Hz")
    return np.ascontiguousarray(y, dtype=np.float32)


def check_sr(sr, caller):
    """Refuse a target rate outside :data:`SAMPLE_RATE_RANGE` (a programming error: ValueError)."""
    low, high = SAMPLE_RATE_RANGE
    if isinstance(sr, (bool, np.bool_)) or not isinstance(sr, Integral) or not low <= sr <= high:
        raise ValueError(f"{caller}: sr must be an int in the range [{low}, {high}]; got {sr!r}.")


@contextmanager
def _failures_are_the_items(index, item, doing):
    """Whatever fails while ``doing`` something to one item, running out of memory included, is its failure."""
    try:
        yield
    except MemoryError:
        raise item_error(index, item, f"ran out of memory while {doing}") from None
    except Exception as error:
        raise item_error(index, item, f"failed while {doing} ({type(error).__name__}: {error})") from error
