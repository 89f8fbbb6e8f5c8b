"""Audio files: the header checked before any sample is decoded, then the samples a block at a time.

:func:`open_audio` is the one way the package opens a file. It reads the
header (sample rate, channels, declared length), refuses what
:mod:`musicfeat.io.limits` bounds and a container cut short
(:mod:`musicfeat.io.headers`), all before decoding a sample, and returns an
:class:`AudioFile` whose :meth:`~AudioFile.blocks` decode it a block at a
time, never past ``max_duration`` even when the header lies, and check that
a file decodes to the length its header declares. :meth:`~AudioFile.mono_blocks`
mixes them down and refuses samples no analysis can take; the stream
decoder (:mod:`musicfeat.io.stream`) consumes them as they come.

The decoders themselves (libsndfile, and audioread for what it lacks) are
opened in :mod:`musicfeat.io.decoders`, which words their failures as what
happened to the file.
"""

import os
import stat
from contextlib import contextmanager

import numpy as np

from .decoders import decoder_reason, open_audioread, open_soundfile
from .headers import AudioHeader, container_cut, length_tolerance
from .items import item_error, item_kind, samples_problem
from .limits import DEFAULT_MAX_DURATION, duration_problem, rate_problem

__all__ = ["AudioHeader", "AudioFile", "open_audio", "BLOCK_BYTES", "length_tolerance", "mix_down"]

#: Decoded bytes per block (all channels, float32): bounds what decoding
#: holds besides the mono result, whatever the channel count.
BLOCK_BYTES = 2**24


def mix_down(block):
    """A ``(frames, channels)`` block's per-sample channel mean: ``block.T.mean(axis=0)`` bit for bit.

    NumPy sums fewer than 8 values in order, so adding the channels one by
    one and dividing gives its mean exactly, about ten times faster than a
    reduction along the short axis; 8 channels and more take NumPy's own
    (pairwise) sum. Overflow is not warned about: the caller refuses huge samples.
    """
    channels = block.shape[1]
    if channels == 1:
        return block[:, 0]
    with np.errstate(over="ignore", invalid="ignore"):
        if channels >= 8:
            return block.T.mean(axis=0)
        mono = block[:, 0].copy()
        for channel in range(1, channels):
            mono += block[:, channel]
        return np.true_divide(mono, channels, out=mono)


class AudioFile:
    """An open audio file whose header passed the checks; made by :func:`open_audio`.

    Attributes
    ----------
    header : AudioHeader
    frames_decoded : int
        Frames decoded so far by :meth:`blocks`.
    """

    def __init__(self, item, index, header, read_block, max_duration):
        self.header = header
        self.frames_decoded = 0
        self._item, self._index = item, index
        self._read_block = read_block
        self._max_duration = max_duration

    def _error(self, reason):
        return item_error(self._index, self._item, reason)

    def blocks(self, frames=None):
        """Decode the file a block at a time, as the decoder gives the samples.

        Parameters
        ----------
        frames : int, optional
            Frames per block; default: :data:`BLOCK_BYTES` worth of float32 samples.

        Yields
        ------
        np.ndarray [shape=(n, channels), dtype=float32]

        Raises
        ------
        InvalidAudioError
            When decoding fails (saying past which second), goes past
            ``max_duration`` (a header that understated the length), or
            stops short of the length the header declares by more than its
            ``tolerance`` (a truncated or damaged file).
        """
        h = self.header
        frames = frames or max(1, BLOCK_BYTES // (4 * h.channels))
        bound = None if self._max_duration is None else int(self._max_duration * h.rate)
        while True:
            try:
                block = self._read_block(frames)
            except MemoryError:
                raise self._error("ran out of memory while decoding it") from None
            except Exception as error:  # a decoder's failure is the file's, said with where it happened
                raise self._error(decoder_reason(error, self._failed_at(frames))) from error
            if not len(block):
                break
            self.frames_decoded += len(block)
            if bound is not None and self.frames_decoded > bound:
                declared = "" if h.frames is None else f" (its header declares {h.frames / h.rate:.0f} s)"
                raise self._error(
                    f"it decodes to more than max_duration={self._max_duration:g} s{declared}; "
                    "raise max_duration (None for no limit) to analyse it"
                )
            yield block
        if h.frames is not None and h.tolerance is not None and self.frames_decoded < h.frames - h.tolerance:
            raise self._error(self._short())

    def mono_blocks(self, frames=None):
        """The blocks mixed down to mono by the channel mean, as ``librosa.load(mono=True)``.

        Each block is mixed down on its own: the same per-sample mean as
        mixing the whole ``(channels, n)`` array, without holding every
        channel. A block holding NaN, infinity or samples beyond
        :data:`~musicfeat.io.items.MAX_SAMPLE` is refused, saying where.

        Yields
        ------
        np.ndarray [shape=(n,), dtype=float32]
        """
        start = 0
        for block in self.blocks(frames):
            mono = mix_down(block)
            problem = samples_problem(mono, block, self.header.rate, start)
            if problem:
                raise self._error(problem)
            start += len(block)
            yield mono

    def _failed_at(self, frames):
        h = self.header
        declared = "" if h.frames is None else f" of the {h.frames / h.rate:.2f} s its header declares"
        return (
            f"decoding failed past {self.frames_decoded / h.rate:.2f} s "
            f"(within the {frames / h.rate:.2f} s after it){declared}"
        )

    def _short(self):
        h = self.header
        decoded, declared = self.frames_decoded / h.rate, h.frames / h.rate
        if h.format != "OGG":  # the decoders of exactly counted formats stop where the damage is
            return f"truncated or corrupt: decoding stopped at {decoded:.2f} s of the {declared:.2f} s its header declares"
        # Every page is whole and passes its checksum (io.headers): the stream's length is the lie.
        return (
            f"corrupt: it decodes to {decoded:.2f} s of the {declared:.2f} s its header declares: "
            f"{declared - decoded:.2f} s of audio are lost, though every Ogg page is intact"
        )

    def read_mono(self):
        """The whole file mixed down to mono by the channel mean, as ``librosa.load(mono=True)``.

        Returns
        -------
        np.ndarray [shape=(n,), dtype=float32]
        """
        parts = list(self.mono_blocks())
        if not parts:
            return np.zeros(0, dtype=np.float32)
        try:
            return parts[0].copy() if len(parts) == 1 else np.concatenate(parts)
        except MemoryError:
            raise self._error("ran out of memory while decoding it") from None


@contextmanager
def open_audio(item, *, index=None, max_duration=DEFAULT_MAX_DURATION):
    """Open an audio file and check its header before any sample is decoded.

    Refused, as :class:`~musicfeat.InvalidAudioError` naming the item: a
    missing path, a directory, anything but a regular file (a FIFO would
    block), an empty file, anything the decoders cannot open, a sample rate
    outside :data:`~musicfeat.io.limits.SAMPLE_RATE_RANGE`, a declared
    duration over ``max_duration``, a WAV or AIFF holding less audio than its
    header declares, an Ogg stream that stops inside a page or lacks its
    end-of-stream mark (a cut file), and an Ogg page that fails its checksum.

    Parameters
    ----------
    item : str, bytes, PathLike or binary file object
        A path may hold any bytes the file system does (``os.fsdecode``'s
        surrogate escapes included).
    index : int, optional
        Position of the item in X, for error messages.
    max_duration : float or None, default=4 hours
        Longest clip accepted, in seconds; None for no limit.

    Yields
    ------
    AudioFile

    Examples
    --------
    >>> from musicfeat.datasets import example_audio
    >>> from musicfeat.io import open_audio
    >>> with open_audio(example_audio()) as audio:
    ...     audio.header.rate, audio.header.channels, round(audio.header.duration, 1)
    (22050, 1, 12.0)
    """
    _check_path(item, index)
    try:
        cut = container_cut(item)
    except OSError as error:
        raise item_error(index, item, f"cannot be read ({error.strerror or error})") from None
    try:
        handle, header, read_block = open_soundfile(item)
    except Exception as sf_error:
        if isinstance(sf_error, MemoryError):
            raise item_error(index, item, "ran out of memory while opening it") from None
        if cut:
            raise item_error(index, item, _cut_reason(cut, None)) from sf_error
        handle, header, read_block = open_audioread(item, index, sf_error)
    try:
        problem = (
            rate_problem(header.rate)
            or (None if header.channels >= 1 else "the file has no audio channels")
            or (_cut_reason(cut, header) if cut else None)
            or (None if header.frames is None else duration_problem(header.frames, header.rate, max_duration))
        )
        if problem:
            raise item_error(index, item, problem)
        yield AudioFile(item, index, header, read_block, max_duration)
    finally:
        handle.close()


def _cut_reason(cut, header):
    if not cut.startswith("the "):  # "truncated: the header declares ...", "corrupt: ..."
        return cut
    if header is None:
        decoded = ""
    elif header.frames:
        decoded = f"; only its first {header.frames / header.rate:.2f} s of audio decode"
    else:
        decoded = "; no audio page before the cut is whole"
    return f"truncated: {cut}{decoded}. It was cut short (or is still being written)"


def _check_path(item, index):
    if item_kind(item) != "path":
        return
    try:
        info = os.stat(item)
    except FileNotFoundError:
        raise item_error(index, item, "no such file") from None
    except OSError as error:
        raise item_error(index, item, f"cannot be read ({error.strerror or error})") from None
    if stat.S_ISDIR(info.st_mode):
        raise item_error(index, item, "is a directory, not an audio file")
    if not stat.S_ISREG(info.st_mode):
        raise item_error(index, item, "is not a regular file (a pipe, socket or device), so it is not read")
    if info.st_size == 0:
        raise item_error(index, item, "could not decode audio: the file is empty (0 bytes)")
