"""One item of X as a stream of mono float32 chunks at the analysis rate: the package's one decoder.

Files are decoded a block at a time (:meth:`AudioFile.mono_blocks`: each
block mixed down by the channel mean and its samples checked) and resampled
by soxr's streaming resampler at ``soxr_hq``. soxr's stream runs the same
filter over the same samples as its one-shot call, so the chunks, however
long, join into ``librosa.load``'s waveform bit for bit
(``tests/test_stream.py``); the stream is padded or trimmed to
``ceil(n * sr / rate)`` samples, as ``librosa.resample`` does.
:func:`~musicfeat.load_audio` is this stream read whole.

What a stream holds at a time: one decoded block (:data:`BLOCK_SECONDS`
of audio, all channels) and its mono, resampled chunk, whatever the file's
length. A waveform passed in memory is already whole: its stream is slices
of it (a ``(waveform, rate)`` pair at another rate is resampled whole first).
"""

import math
import os
from contextlib import contextmanager

import numpy as np

from ..dsp import resample
from .files import open_audio
from .items import check_waveform, finite_float32, item_error, item_kind, swapped_pair
from .limits import DEFAULT_MAX_DURATION, RES_TYPE, check_sr, duration_problem, rate_problem

__all__ = ["AudioStream", "open_stream", "BLOCK_SECONDS"]

#: Seconds of audio decoded per block (a 44.1 kHz stereo block is 0.7 MB of float32); also how
#: closely a decoding failure is located: libsndfile fails a whole read.
BLOCK_SECONDS = 2.0


class AudioStream:
    """An item opened as a stream of mono float32 chunks at ``sr``; made by :func:`open_stream`.

    Attributes
    ----------
    duration : float or None
        Declared duration in seconds (a file's header; None when it gives
        none); exact for a waveform in memory.
    n_samples : int
        Samples at ``sr`` yielded so far by :meth:`chunks`: the clip's
        length once they are exhausted.
    """

    def __init__(self, item, sr, index, audio=None, waveform=None):
        self._item, self._sr, self._index = item, sr, index
        self._audio, self._waveform = audio, waveform
        self.n_samples = 0
        if audio is not None:
            self.duration = audio.header.duration
        else:
            self.duration = waveform.size / sr

    def chunks(self, block_seconds=BLOCK_SECONDS):
        """Yield the clip's samples at ``sr``, in order, as 1-D float32 arrays.

        Raises
        ------
        InvalidAudioError
            As :func:`~musicfeat.load_audio` would, for any problem found
            while decoding (a truncated or corrupt file names the second where
            decoding stopped); the chunks yielded before it are then no result.
        """
        if self._waveform is not None:
            step = max(1, int(block_seconds * self._sr))
            for start in range(0, self._waveform.size, step):
                chunk = self._waveform[start : start + step]
                self.n_samples += chunk.size
                yield chunk
            return
        yield from self._file_chunks(max(1, int(block_seconds * self._audio.header.rate)))

    def whole(self):
        """All the chunks as one waveform: :func:`~musicfeat.load_audio`'s, bit for bit.

        Returns
        -------
        np.ndarray [shape=(n,), dtype=float32]
        """
        if self._waveform is not None:
            self.n_samples = self._waveform.size
            return self._waveform
        parts = list(self.chunks())  # as fast as larger reads, and a failure is placed within a block
        if not parts:  # the stream refuses an empty file
            return np.zeros(0, dtype=np.float32)
        try:
            return parts[0] if len(parts) == 1 else np.concatenate(parts)
        except MemoryError:
            raise item_error(self._index, self._item, "ran out of memory while decoding it") from None

    def _file_chunks(self, frames):
        try:
            yield from self._resampled(frames)
        except MemoryError:
            raise item_error(self._index, self._item, "ran out of memory while decoding it") from None

    def _resampled(self, frames):
        import soxr

        audio, sr = self._audio, self._sr
        rate = audio.header.rate
        resampler = (
            None if rate == sr else soxr.ResampleStream(rate, sr, 1, dtype="float32", quality=RES_TYPE)
        )
        n_in = 0
        for mono in audio.mono_blocks(frames):
            n_in += mono.size
            yield from self._emit(resampler.resample_chunk(mono) if resampler else mono, None)
        if n_in == 0:
            raise item_error(self._index, self._item, "the file holds no audio: it is empty (zero samples)")
        if resampler is not None:
            target = math.ceil(n_in * (float(sr) / rate))  # librosa.resample's length
            tail = resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            yield from self._emit(tail, target)
            if self.n_samples < target:
                yield from self._emit(np.zeros(target - self.n_samples, dtype=np.float32), target)
            if self.n_samples == 0:
                raise item_error(
                    self._index, self._item, f"the audio is too short to resample from {rate:g} Hz to {sr} Hz"
                )

    def _emit(self, chunk, target):
        if target is not None:
            chunk = chunk[: max(0, target - self.n_samples)]
        if chunk.size:
            self.n_samples += chunk.size
            yield np.ascontiguousarray(chunk, dtype=np.float32)


@contextmanager
def open_stream(item, sr, *, index=None, max_duration=DEFAULT_MAX_DURATION):
    """Open one item of X as an :class:`AudioStream` at ``sr`` Hz.

    Files are opened with :func:`~musicfeat.io.open_audio` (their header is
    checked before any sample is decoded) and streamed; a waveform or a
    ``(waveform, rate)`` pair is in memory already: it is checked, resampled
    whole if its rate is not ``sr``, and streamed as slices.

    Parameters
    ----------
    item : str, bytes, PathLike, binary file object, np.ndarray or (np.ndarray, float)
    sr : int
        Target sample rate in Hz.
    index : int, optional
        Position of the item in X, for error messages.
    max_duration : float or None, default=14400.0

    Yields
    ------
    AudioStream

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.io import load_audio, open_stream
    >>> from musicfeat.datasets import example_audio
    >>> with open_stream(example_audio(), sr=16000) as stream:
    ...     y = np.concatenate(list(stream.chunks(block_seconds=2.0)))
    >>> bool(np.array_equal(y, load_audio(example_audio(), sr=16000)))
    True
    """

    check_sr(sr, "open_stream")
    kind = item_kind(item)
    if kind == "path":
        item = os.path.expanduser(item)  # "~/song.ogg" as a shell reads it
    if kind not in ("path", "file"):
        yield AudioStream(item, sr, index, waveform=_waveform(item, kind, sr, index, max_duration))
        return
    with open_audio(item, index=index, max_duration=max_duration) as audio:
        yield AudioStream(item, sr, index, audio=audio)


def _waveform(item, kind, sr, index, max_duration):
    """An item in memory as a checked float32 waveform at ``sr``."""
    if kind == "pair":
        if len(item) != 2:
            raise item_error(index, item, "a tuple item must be (waveform, sample_rate)")
        if swapped_pair(item):
            raise item_error(
                index,
                item,
                "a (sample_rate, waveform) pair; musicfeat takes (waveform, sample_rate): pass (y, sr)",
            )
        y, rate = item
        y = check_waveform(y, index, item)
        problem = rate_problem(rate)
        if problem:
            raise item_error(index, item, problem)
    elif kind == "spectra":
        raise item_error(index, item, "a Spectra is not a waveform: pass it to a transformer, which reads it")
    else:
        y, rate = check_waveform(item, index, item), sr
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


@contextmanager
def _failures_are_the_items(index, item, doing):
    """Whatever fails while ``doing`` something to one item, running out of memory included, is its failure."""
    try:
        yield
    except MemoryError:
        raise item_error(index, item, f"ran out of memory while {doing}") from None
    except Exception as error:
        raise item_error(index, item, f"failed while {doing} ({type(error).__name__}: {error})") from error
