"""What a file declares (:class:`AudioHeader`), and its container read as bytes: is it whole?

:func:`length_tolerance` says how far short of its declared length a format
may decode (an Ogg length is computed, not counted). libsndfile clamps a WAV's, AIFF's or AU's length to what the file holds, and
decodes an Ogg stream cut short, or damaged in the middle, without a word
(it resyncs at the next intact page). These functions read the container's
own structure, never a sample, before the file is decoded:

- :func:`container_cut`: a WAV (RIFF, RF64, BW64, Wave64), AIFF or AU
  whose header declares more audio data than the file holds, or an Ogg stream that stops
  inside a page or lacks its end-of-stream mark: the file was cut short;
  or an Ogg page that fails its checksum: the file is damaged.

File objects are read from their position and put back there; unseekable
ones are not read.
"""

import os
import struct
import zlib
from contextlib import contextmanager
from dataclasses import dataclass

from .items import item_kind

__all__ = ["AudioHeader", "length_tolerance", "container_cut", "ogg_crc"]

#: Formats whose header gives the exact length: decoding fewer frames means the file is cut short.
#: WAV, RF64, Wave64, AIFF and AU lengths are clamped to the file by libsndfile (so its count of
#: the frames in the file is no check): :func:`container_cut` compares their data chunk with the file. MP3's length may be an estimate from the
#: bitrate (a VBR file without a Xing header), so it is not checked.
_EXACT_LENGTH_FORMATS = {"FLAC", "CAF", "W64", "RF64"}

#: How far short of its header an Ogg stream may decode without being cut, in seconds and frames.
#: An Ogg stream's length is not a count but the last page's granule position, which encoders
#: set from packet boundaries: real files decode a few samples (Opus: 10 of 48 kHz) to 25 ms
#: (Vorbis) short of it. At most one codec frame can be unaccounted for: 120 ms, the longest
#: Opus frame, or 8192 samples, the longest Vorbis block. A cut stream loses whole pages, and a
#: damaged page fails its checksum: :func:`container_cut` finds both before decoding.
OGG_TOLERANCE_SECONDS = {"OPUS": 0.120}
OGG_TOLERANCE_FRAMES = 8192
#: The least shortfall accepted in a format whose length is computed: a few milliseconds.
MIN_TOLERANCE_SECONDS = 0.010


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
    tolerance : int or None, default=None
        Frames the file may decode short of ``frames`` without being cut: 0
        where the header counts them exactly (FLAC), a codec frame where it
        computes them (Ogg, :func:`length_tolerance`); None where the decoded
        length is not checked against the header.
    """

    rate: int
    channels: int
    frames: int | None
    format: str
    tolerance: int | None = None

    @property
    def duration(self):
        """Declared duration in seconds, or None."""
        return None if self.frames is None else self.frames / self.rate


def length_tolerance(format, subtype, rate):
    """Frames a file of this format may decode short of its header's length; None: not checked.

    Examples
    --------
    >>> from musicfeat.io.headers import length_tolerance
    >>> length_tolerance("FLAC", "PCM_16", 44100), length_tolerance("OGG", "OPUS", 48000)
    (0, 5760)
    >>> length_tolerance("OGG", "VORBIS", 44100), length_tolerance("MP3", "MPEG_LAYER_III", 44100) is None
    (8192, True)
    """
    if format in _EXACT_LENGTH_FORMATS:
        return 0
    if format == "OGG":
        seconds = max(MIN_TOLERANCE_SECONDS, OGG_TOLERANCE_SECONDS.get(subtype, 0.0))
        return max(round(seconds * rate), 0 if subtype in OGG_TOLERANCE_SECONDS else OGG_TOLERANCE_FRAMES)
    return None


_UNKNOWN_SIZES = (0, 0xFFFFFFFF)  # streaming writers' "length not known yet"
_MAX_CHUNKS = 10_000  # a chunk walk gives up rather than crawl a hostile file


def container_cut(item):
    """Why the file's container says it was cut short or damaged, or None (whole, or not a container read here).

    Parameters
    ----------
    item : str, bytes, PathLike or binary file object

    Returns
    -------
    str or None
        ``"truncated: ..."`` with what the header declares and what the file
        holds, ``"corrupt: ..."`` with where, or (an Ogg stream cut) ``"the ..."``
        where it was cut.
    """
    try:
        with _opened(item) as (f, start, size):
            return None if f is None else _cut(f, start, size)
    except (struct.error, ValueError, OverflowError):  # a header too mangled to say: the decoders will
        return None


def _cut(f, start, size):
    magic = f.read(12)
    if magic[:4] == b"OggS":
        return _ogg_cut(f, start, size)
    if magic[:4] in (b"RIFF", b"RF64", b"BW64") and magic[8:12] == b"WAVE":
        return _wav_cut(f, start, size, big=magic[:4] != b"RIFF")
    if magic[:4] == b"FORM" and magic[8:12] in (b"AIFF", b"AIFC"):
        return _aiff_cut(f, start, size)
    if magic[:4] == b"riff":  # Sony Wave64: GUID chunk ids, 64-bit sizes
        return _w64_cut(f, start, size)
    if magic[:4] == b".snd":
        return _au_cut(magic + f.read(12), start, size)
    return None


@contextmanager
def _opened(item):
    """``(file, start, size)`` of an item, or ``(None, 0, 0)`` for an unseekable file object."""
    if item_kind(item) == "path":
        with open(item, "rb") as f:
            yield f, 0, os.fstat(f.fileno()).st_size
        return
    seekable = getattr(item, "seekable", None)
    if not (callable(seekable) and seekable()):
        yield None, 0, 0
        return
    start = item.tell()
    try:
        size = item.seek(0, os.SEEK_END)
        item.seek(start)
        yield item, start, size
    finally:
        item.seek(start)


def _seconds(frames, rate):
    return f"{frames / rate:.2f} s"


def _truncated(declared, holds):
    return f"truncated: the header declares {declared}, the file holds {holds}. It was cut short (or is still being written)"


def _frames_cut(declared, holds, frame, rate):
    """The truncation of ``declared`` bytes of frames of ``frame`` bytes of which ``holds`` are there, or None.

    A partial last frame is no loss.
    """
    if holds >= declared - (frame - 1):
        return None
    return _truncated(_seconds(declared // frame, rate), _seconds(max(holds, 0) // frame, rate))


# ---------------------------------------------------------------- WAV, AIFF, Wave64, AU: the data's size


def _chunks(f, offset, size, big_endian):
    """``(id, body offset, declared size)`` of each chunk from ``offset``, until the file ends."""
    for _ in range(_MAX_CHUNKS):
        f.seek(offset)
        head = f.read(8)
        if len(head) < 8:
            return
        length = struct.unpack(">I" if big_endian else "<I", head[4:])[0]
        yield head[:4], offset + 8, length
        offset += 8 + length + (length & 1)  # chunks are padded to an even size
        if offset >= size:
            return


def _wav_cut(f, start, size, big):
    fmt = ds64_data = None
    for chunk, body, length in _chunks(f, start + 12, size, big_endian=False):
        if chunk == b"ds64":  # RF64/BW64: the 64-bit sizes (riff, data, sample count)
            values = f.read(24)
            ds64_data = struct.unpack("<Q", values[8:16])[0] if len(values) >= 16 else None
        elif chunk == b"fmt ":
            fmt = f.read(16)
        elif chunk == b"data":
            if big and length == 0xFFFFFFFF:
                length = ds64_data
            if length in _UNKNOWN_SIZES or length is None:
                return None
            holds = size - body
            tag, _, rate, byte_rate, align = (
                struct.unpack("<HHIIH", fmt[:14]) if fmt and len(fmt) >= 14 else (0, 0, 0, 0, 0)
            )
            if holds >= length - max(align - 1, 0):  # a partial last frame is no loss
                return None
            if tag in (1, 3, 0xFFFE) and align and rate:  # PCM and float: frames of `align` bytes
                return _frames_cut(length, holds, align, rate)
            if byte_rate:
                return _truncated(f"{length / byte_rate:.2f} s", f"{max(holds, 0) / byte_rate:.2f} s")
            return _truncated(f"{length:,} bytes of audio", f"{max(holds, 0):,}")
    return None


def _w64_cut(f, start, size):
    offset, fmt = start + 40, None  # after the riff GUID, the file size and the wave GUID
    for _ in range(_MAX_CHUNKS):
        f.seek(offset)
        head = f.read(24)
        if len(head) < 24:
            return None
        length = struct.unpack("<Q", head[16:24])[0]  # the chunk's, its 24-byte header included
        if head[:4] == b"fmt ":
            fmt = f.read(16)
        elif head[:4] == b"data" and fmt is not None and len(fmt) >= 14:
            _, _, rate, _, align = struct.unpack("<HHIIH", fmt[:14])
            holds, declared = size - offset - 24, length - 24
            if not (align and rate) or declared <= 0:
                return None
            return _frames_cut(declared, holds, align, rate)
        offset += (length + 7) // 8 * 8  # chunks are aligned to 8 bytes
        if length < 24 or offset >= size:
            return None
    return None


#: AU encodings (Sun's codes) by bytes per sample: mu-law, 8, 16, 24, 32-bit linear, float, double, A-law.
_AU_WIDTHS = {1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 6: 4, 7: 8, 27: 1}


def _au_cut(head, start, size):
    if len(head) < 24:
        return None
    data, declared, encoding, rate, channels = struct.unpack(">IIIII", head[4:24])
    width = _AU_WIDTHS.get(encoding)
    if declared in _UNKNOWN_SIZES or not (width and rate and channels):
        return None
    return _frames_cut(declared, size - start - data, width * channels, rate)


def _aiff_cut(f, start, size):
    comm = None
    for chunk, body, length in _chunks(f, start + 12, size, big_endian=True):
        if chunk == b"COMM":
            comm = f.read(22)
        elif chunk == b"SSND":
            offset = struct.unpack(">I", f.read(8)[:4].rjust(4, b"\0"))[0]
            data = body + 8 + offset
            declared = length - 8 - offset
            if comm is None or len(comm) < 18 or length in _UNKNOWN_SIZES or declared <= 0:
                return None
            channels, frames, bits = struct.unpack(">hIh", comm[:8])
            rate = _extended(comm[8:18])
            compression = comm[18:22] if len(comm) >= 22 else b"NONE"
            holds = max(size - data, 0)
            if not rate or channels <= 0:
                return None
            if compression in (b"NONE", b"sowt", b"twos", b"raw ", b"fl32", b"fl64", b"in24", b"in32"):
                width = {b"fl32": 4, b"fl64": 8}.get(compression, (bits + 7) // 8)
                if width <= 0 or holds // (channels * width) >= frames:
                    return None
                return _truncated(_seconds(frames, rate), _seconds(holds // (channels * width), rate))
            if holds >= declared:
                return None
            return _truncated(_seconds(frames, rate), _seconds(frames * holds / declared, rate))
    return None


def _extended(ten_bytes):
    """An IEEE 754 80-bit extended float (AIFF's sample rate); 0 for nonsense."""
    if len(ten_bytes) < 10:
        return 0
    exponent, mantissa = struct.unpack(">HQ", ten_bytes)
    exponent &= 0x7FFF
    if not mantissa or not 16383 - 63 <= exponent <= 16383 + 63:
        return 0
    return mantissa * 2.0 ** (exponent - 16383 - 63)


# ---------------------------------------------------------------- Ogg: pages, cut or damaged

_OGG_PAGE_HEADER = 27
_OGG_END_OF_STREAM = 0x04


def _ogg_cut(f, start, size):
    """Walks the pages, checking each one's checksum (nothing is decoded).

    A page that runs past the end of the file, or a last page without the
    end-of-stream flag, means the file was cut: libsndfile decodes such a
    file up to the cut without a word, or to zero samples when no audio
    page is whole. A page whose checksum fails, or bytes where the next page
    should begin that are not one, mean it is damaged: libsndfile resyncs
    past the damage, losing its audio without a word (how much depends on
    how much it is asked to read at a time). Bytes after an end-of-stream
    page are a tag or junk, not audio. A page whose sequence number skips
    some (each logical stream counts its pages) means whole pages are missing.
    """
    offset, flags, granule, granule_rate, serial = start, None, -1, None, None
    sequence = {}  # the last page number of each logical stream
    f.seek(offset)
    while offset < size:
        head = f.read(_OGG_PAGE_HEADER)
        if head[:4] != b"OggS"[: len(head[:4])] or head[4:5] not in (b"", b"\x00"):
            if flags is None or flags & _OGG_END_OF_STREAM:
                return None  # not Ogg (version 0), or junk after the stream: the decoders say what it is
            return f"corrupt: no Ogg page begins at byte {offset - start:,}, where one should{_near(granule, granule_rate)}"
        if len(head) < _OGG_PAGE_HEADER:
            return (
                None if flags is None else f"the file ends inside an Ogg page header, at byte {size - start}"
            )
        table = f.read(head[26])
        length = _OGG_PAGE_HEADER + head[26] + sum(table)
        if len(table) < head[26] or offset + length > size:
            return f"the file ends inside an Ogg page, at byte {size - start}"
        body = f.read(length - _OGG_PAGE_HEADER - head[26])
        if ogg_crc(head[:22] + b"\0\0\0\0" + head[26:] + table + body) != struct.unpack("<I", head[22:26])[0]:
            return (
                f"corrupt: the Ogg page at byte {offset - start:,} fails its checksum, so its audio is lost"
                f"{_near(granule, granule_rate)}"
            )
        number = struct.unpack("<I", head[18:22])[0]
        if sequence.get(head[14:18], number - 1) != number - 1:
            return (
                f"corrupt: Ogg pages are missing before byte {offset - start:,} (page {number} follows page "
                f"{sequence[head[14:18]]}), so their audio is lost{_near(granule, granule_rate)}"
            )
        sequence[head[14:18]] = number
        if granule_rate is None:  # the first page: the first logical stream's, which libsndfile decodes
            granule_rate, serial = _granule_rate(body), head[14:18]
        position = struct.unpack("<q", head[6:14])[0]
        if position >= 0 and head[14:18] == serial:  # -1: no packet ends on this page
            granule = position
        offset, flags = offset + length, head[5]
    if flags is not None and not flags & _OGG_END_OF_STREAM:
        return f"the last Ogg page of the file, ending at byte {size - start}, lacks the end-of-stream mark"
    return None


def _granule_rate(first_body):
    """Granule positions per second, from the stream's first packet (Vorbis: its rate; Opus: 48 kHz)."""
    if first_body[:7] == b"\x01vorbis" and len(first_body) >= 16:
        return struct.unpack("<I", first_body[12:16])[0] or None
    if first_body[:8] == b"OpusHead":
        return 48000
    return 0  # another codec: positions are not said in seconds


def _near(granule, rate):
    if granule < 0 or not rate:
        return ""
    return f" (after {granule / rate:.2f} s of audio)"


#: Each byte's bits reversed: Ogg's CRC is zlib's CRC-32 on bit-reversed bytes, reversed.
_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def ogg_crc(page):
    """Ogg's page checksum: CRC-32 of polynomial 0x04c11db7, initial 0, no reflection, no final xor.

    Computed with :func:`zlib.crc32` (zlib's CRC is the reflected form of
    the same polynomial, with its register inverted before and after):
    reflecting each byte and the result turns one into the other, at zlib's speed.

    Examples
    --------
    >>> from musicfeat.io.headers import ogg_crc
    >>> hex(ogg_crc(b"OggS"))
    '0x5fb0a94f'
    """
    raw = zlib.crc32(bytes(page).translate(_REVERSED), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{raw:032b}"[::-1], 2)
