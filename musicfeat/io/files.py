"""Audio files: the header checked before any sample is decoded, then the samples a block at a time.

:func:`open_audio` is the one way the package opens a file. It reads the
header (sample rate, channels, declared length), refuses what
:mod:`musicfeat.io.limits` bounds and any Ogg stream cut short, all before
decoding a sample, and returns an :class:`AudioFile` whose
:meth:`~AudioFile.blocks` decode it a block at a time, never past
``max_duration`` even when the header lies, and check that a file decodes to
the length its header declares. :func:`~musicfeat.load_audio` mixes the
blocks down; a streaming front end consumes them as they come.

Decoders word their failures for their own developers (libsndfile answers
"File does not exist" for MP3 data it cannot parse); every failure here is
said as what happened to the file, with the decoder's words in parentheses.
"""

import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .items import item_error
from .limits import DEFAULT_MAX_DURATION, duration_problem, rate_problem

__all__ = ["AudioHeader", "AudioFile", "open_audio", "BLOCK_BYTES"]

#: Decoded bytes per block (all channels, float32): bounds what decoding
#: holds besides the mono result, whatever the channel count.
BLOCK_BYTES = 2**24

#: Formats whose header gives the exact length: decoding fewer frames means the file is cut short.
#: (MP3's length is an estimate; WAV and AIFF lengths are clamped to the file by libsndfile.)
_EXACT_LENGTH_FORMATS = {"FLAC", "OGG", "CAF", "W64", "RF64"}

# libsndfile's error codes (sndfile.h, src/common.h) by what they mean for a file that exists.
#: libsndfile's length of a file that does not declare one.
_SF_COUNT_MAX = 2**63 - 1
_NOT_AUDIO = {1, 8}  # "Format not recognised", "File exists but no data could be read"
#: What libsndfile answers for a file it cannot parse as MP3: "File does not exist
#: or is not a regular file", said of a file that does exist.
_NOT_PARSED = 7
_NOT_READABLE = (
    "it is not audio in a format musicfeat reads (WAV, FLAC, Ogg, MP3, AIFF, ...), or it is corrupt"
)
_CORRUPT = {3, 12, 18, 19, 25, 32, 33, 34, 37, 38, 39}  # malformed, bad channel counts, failed seeks
_UNSUPPORTED = {4}


@dataclass(frozen=True)
class AudioHeader:
    """What a file declares about itself, read before any sample is decoded.

    Attributes
    ----------
    rate : int
        Sample rate in Hz.
    channels : int
    frames : int or None
        Declared length in samples per channel; None when the file does not say.
    format : str
        Container format as the decoder names it (``'WAV'``, ``'FLAC'``, ``'OGG'``, ``'MP3'``, ...).
    """

    rate: int
    channels: int
    frames: int | None
    format: str

    @property
    def duration(self):
        """Declared duration in seconds, or None."""
        return None if self.frames is None else self.frames / self.rate


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
        """Decode the file a block at a time.

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
            When decoding fails, goes past ``max_duration`` (a header that
            understated the length), or stops short of a length the header
            declares exactly (a truncated file).
        """
        h = self.header
        frames = frames or max(1, BLOCK_BYTES // (4 * h.channels))
        bound = None if self._max_duration is None else int(self._max_duration * h.rate)
        while True:
            try:
                block = self._read_block(frames)
            except MemoryError:
                raise self._error("ran out of memory while decoding it") from None
            except Exception as error:  # a decoder's failure is the file's
                reason = _decoder_reason(error, self._where())
                if "decoding stopped at" not in reason:  # say where, for a failure mid-stream
                    reason += f"; decoding failed past {self.frames_decoded / h.rate:.2f} s"
                raise self._error(reason) from error
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
        if h.format in _EXACT_LENGTH_FORMATS and h.frames is not None and self.frames_decoded < h.frames:
            raise self._error(self._where())

    def _where(self):
        h = self.header
        if h.frames is None:  # nothing to say the file was cut
            return f"could not decode audio past {self.frames_decoded / h.rate:.2f} s (its header gives no length)"
        return (
            f"truncated or corrupt: decoding stopped at {self.frames_decoded / h.rate:.2f} s of the "
            f"{h.frames / h.rate:.2f} s its header declares"
        )

    def read_mono(self):
        """The whole file mixed down to mono by the channel mean, as ``librosa.load(mono=True)``.

        Returns
        -------
        np.ndarray [shape=(n,), dtype=float32]
        """
        # Each block is mixed down on its own: the same per-sample mean as
        # mixing the whole (channels, n) array, without holding every channel.
        parts = [block.T.mean(axis=0) if block.shape[1] > 1 else block[:, 0] for block in self.blocks()]
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
    duration over ``max_duration``, and an Ogg stream that stops inside a
    page or lacks its end-of-stream mark (a cut file).

    Parameters
    ----------
    item : str, bytes, PathLike or binary file object
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
        cut = _ogg_cut_short(item)
    except OSError as error:
        raise item_error(index, item, f"cannot be read ({error.strerror or error})") from None
    try:
        handle, header, read_block = _open_soundfile(item)
    except Exception as sf_error:
        if isinstance(sf_error, MemoryError):
            raise item_error(index, item, "ran out of memory while opening it") from None
        if cut:
            raise item_error(index, item, _truncated_ogg(cut, None)) from sf_error
        handle, header, read_block = _open_audioread(item, index, sf_error)
    try:
        problem = (
            rate_problem(header.rate)
            or (None if header.channels >= 1 else "the file has no audio channels")
            or (None if header.frames is None else duration_problem(header.frames, header.rate, max_duration))
            or (_truncated_ogg(cut, header) if cut and header.format == "OGG" else None)
        )
        if problem:
            raise item_error(index, item, problem)
        yield AudioFile(item, index, header, read_block, max_duration)
    finally:
        handle.close()


def _check_path(item, index):
    if not isinstance(item, (str, bytes, os.PathLike)):
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


def _open_soundfile(item):
    import soundfile as sf

    f = sf.SoundFile(item)
    # libsndfile declares an unknown length as SF_COUNT_MAX (a FLAC stream
    # whose header leaves it 0), or as 0 for an unseekable stream.
    unknown = f.frames >= _SF_COUNT_MAX or f.frames == 0 and not f.seekable()
    frames = None if unknown else f.frames
    header = AudioHeader(rate=f.samplerate, channels=f.channels, frames=frames, format=f.format)
    return f, header, lambda n: f.read(n, dtype="float32", always_2d=True)


def _open_audioread(item, index, sf_error):
    """Formats libsndfile lacks (AAC, WMA, ...) through audioread's system decoders, when there are any."""
    backends = []
    if isinstance(item, (str, bytes, os.PathLike)):
        try:
            import audioread
            import audioread.rawread

            # rawread reads only what libsndfile reads better, and leaves the file open on failure.
            backends = [b for b in audioread.available_backends() if b is not audioread.rawread.RawAudioFile]
        except ImportError:
            pass
    if not backends:
        raise item_error(index, item, _decoder_reason(sf_error)) from sf_error
    try:
        f = audioread.audio_open(os.fsdecode(item), backends=backends)
    except Exception:
        # audioread's own errors (NoBackendError) say less than libsndfile's.
        raise item_error(index, item, _decoder_reason(sf_error)) from sf_error
    chunks = iter(f)
    channels = max(int(f.channels), 1)

    def read_block(_frames):
        buffer = next(chunks, b"")
        pcm = np.frombuffer(buffer, dtype="<i2")
        return (pcm.astype(np.float32) / 32768.0).reshape(-1, channels)  # as librosa's buf_to_float

    frames = round(f.duration * f.samplerate) if f.duration else None
    header = AudioHeader(rate=int(f.samplerate), channels=int(f.channels), frames=frames, format="audioread")
    return f, header, read_block


def _decoder_reason(error, truncation=None):
    """What a decoder's exception means for the file, in words about the file."""
    import soundfile as sf

    if isinstance(error, sf.LibsndfileError):
        said = error.error_string.rstrip(".")
        if error.code == _NOT_PARSED:
            return f"could not decode audio: {_NOT_READABLE}"
        if error.code in _NOT_AUDIO:
            return f"could not decode audio: {_NOT_READABLE} (libsndfile: {said})"
        if error.code in _CORRUPT:
            return f"{truncation or 'could not decode audio: the file is corrupt or truncated'} (libsndfile: {said})"
        if error.code in _UNSUPPORTED:
            return f"could not decode audio: its encoding is not supported (libsndfile: {said})"
        return f"could not decode audio (libsndfile: {said})"
    return f"could not decode audio ({type(error).__name__}: {error})"


# ---------------------------------------------------------------- Ogg: is the stream whole?

_OGG_PAGE_HEADER = 27
_OGG_END_OF_STREAM = 0x04


def _ogg_cut_short(item):
    """For an Ogg file cut short, where it stops; None for a whole stream or anything else.

    Walks the page headers (27 bytes and a segment table each; nothing is
    decoded): a page that runs past the end of the file, or a last page
    without the end-of-stream flag, means the file was cut. libsndfile
    decodes such a file up to the cut without a word, or to zero samples
    when no audio page is whole. File objects are walked from their
    position and put back there; unseekable ones are not walked.
    """
    if isinstance(item, (str, bytes, os.PathLike)):
        with open(item, "rb") as f:
            return _ogg_walk(f)
    seekable = getattr(item, "seekable", None)
    if not (callable(seekable) and seekable()):
        return None
    start = item.tell()
    try:
        return _ogg_walk(item)
    finally:
        item.seek(start)


def _ogg_walk(f):
    start = f.tell()
    size = f.seek(0, os.SEEK_END)
    offset, flags = start, None
    while offset < size:
        f.seek(offset)
        head = f.read(_OGG_PAGE_HEADER)
        if head[:4] != b"OggS"[: len(head[:4])] or head[4:5] not in (b"", b"\x00"):
            return None  # not Ogg (version 0), or not a page boundary: the decoders say what it is
        if len(head) < _OGG_PAGE_HEADER:
            return (
                None if flags is None else f"the file ends inside an Ogg page header, at byte {size - start}"
            )
        table = f.read(head[26])
        length = _OGG_PAGE_HEADER + head[26] + sum(table)
        if len(table) < head[26] or offset + length > size:
            return f"the file ends inside an Ogg page, at byte {size - start}"
        offset, flags = offset + length, head[5]
    if flags is not None and not flags & _OGG_END_OF_STREAM:
        return f"the last Ogg page of the file, ending at byte {size - start}, lacks the end-of-stream mark"
    return None


def _truncated_ogg(cut, header):
    if header is None:
        decoded = ""
    elif header.frames:
        decoded = f"; only its first {header.frames / header.rate:.2f} s of audio decode"
    else:
        decoded = "; no audio page before the cut is whole"
    return f"truncated: {cut}{decoded}. It was cut short (or is still being written)"
