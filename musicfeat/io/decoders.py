"""The decoders: libsndfile (through soundfile), and audioread's system decoders for what it lacks.

Each opener returns ``(handle, header, read_block)``: something to close,
the :class:`~musicfeat.io.headers.AudioHeader` the decoder reads, and a
function decoding up to ``n`` more frames as a ``(frames, channels)``
float32 array. Decoders word their failures for their own developers
(libsndfile answers "File does not exist" for MP3 data it cannot parse):
:func:`decoder_reason` says them as what happened to the file, with the
decoder's words in parentheses.
"""

import os

import numpy as np

from .headers import AudioHeader, length_tolerance
from .items import item_error, item_kind

__all__ = ["open_soundfile", "open_audioread", "decoder_reason"]

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


def open_soundfile(item):
    import soundfile as sf

    # libsndfile takes a name as bytes (or UTF-8): bytes hold any name the file system does.
    name = os.fsencode(item) if item_kind(item) == "path" and os.name != "nt" else item
    f = sf.SoundFile(name)
    # libsndfile declares an unknown length as SF_COUNT_MAX (a FLAC stream
    # whose header leaves it 0), or as 0 for an unseekable stream.
    unknown = f.frames >= _SF_COUNT_MAX or f.frames == 0 and not f.seekable()
    frames = None if unknown else f.frames
    header = AudioHeader(
        rate=f.samplerate,
        channels=f.channels,
        frames=frames,
        format=f.format,
        tolerance=length_tolerance(f.format, f.subtype, f.samplerate),
    )
    return f, header, lambda n: f.read(n, dtype="float32", always_2d=True)


def open_audioread(item, index, sf_error):
    """Formats libsndfile lacks (AAC, WMA, ...) through audioread's system decoders, when there are any."""
    backends = []
    if item_kind(item) == "path":
        try:
            import audioread
            import audioread.rawread

            # rawread reads only what libsndfile reads better, and leaves the file open on failure.
            backends = [b for b in audioread.available_backends() if b is not audioread.rawread.RawAudioFile]
        except ImportError:
            pass
    if not backends:
        raise item_error(index, item, decoder_reason(sf_error)) from sf_error
    try:
        f = audioread.audio_open(os.fsdecode(item), backends=backends)
    except Exception:
        # audioread's own errors (NoBackendError) say less than libsndfile's.
        raise item_error(index, item, decoder_reason(sf_error)) from sf_error
    chunks = iter(f)
    channels = max(int(f.channels), 1)

    def read_block(_frames):
        buffer = next(chunks, b"")
        pcm = np.frombuffer(buffer, dtype="<i2")
        return (pcm.astype(np.float32) / 32768.0).reshape(-1, channels)  # as librosa's buf_to_float

    frames = round(f.duration * f.samplerate) if f.duration else None
    header = AudioHeader(rate=int(f.samplerate), channels=int(f.channels), frames=frames, format="audioread")
    return f, header, read_block


def decoder_reason(error, where=None):
    """What a decoder's exception means for the file, in words about the file.

    ``where`` says where decoding failed, for an exception raised while
    decoding a file that opened: whatever the decoder's code, the file is
    then corrupt or truncated at that point.
    """
    import soundfile as sf

    if isinstance(error, sf.LibsndfileError):
        said = f"libsndfile: {error.error_string.rstrip('.')}"
        if where is not None:
            return f"corrupt or truncated: {where} ({said})"
        if error.code == _NOT_PARSED:
            return f"could not decode audio: {_NOT_READABLE}"
        if error.code in _NOT_AUDIO:
            return f"could not decode audio: {_NOT_READABLE} ({said})"
        if error.code in _CORRUPT:
            return f"could not decode audio: the file is corrupt or truncated ({said})"
        if error.code in _UNSUPPORTED:
            return f"could not decode audio: its encoding is not supported ({said})"
        return f"could not decode audio ({said})"
    said = f"{type(error).__name__}: {error}"
    return f"could not decode audio ({said})" if where is None else f"corrupt or truncated: {where} ({said})"
