"""Input: X into its clips, and each clip into a mono float32 waveform at the requested rate.

The room below the front end; it imports only :mod:`musicfeat.exceptions`.
An item is a file path (str or PathLike), an open binary file object, a 1-D
floating-point waveform already at the estimator's ``sr``, or a
``(waveform, sample_rate)`` pair (a transformer also takes a
:class:`~musicfeat.Spectra`, which it checks itself). Everything that can
go wrong with an item becomes :class:`~musicfeat.exceptions.InvalidAudioError`
naming the item and its position in X.
"""

import os
from numbers import Real

import numpy as np

from .dsp import resample
from .exceptions import InvalidAudioError

__all__ = ["as_items", "load_audio", "describe_item", "item_error"]

#: Resampler of the spec (librosa's default).
RES_TYPE = "soxr_hq"


def as_items(X):
    """X as a list of clips, refusing the common mistakes early.

    Parameters
    ----------
    X : sequence of clips, 1-D object array, or one-column DataFrame

    Returns
    -------
    list

    Raises
    ------
    ValueError
        For a single path, a 1-D numeric array (one waveform, not a
        sequence), a DataFrame of several columns, or anything not iterable
        (such as a single :class:`~musicfeat.Spectra`).

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.io import as_items
    >>> len(as_items([np.zeros(10), "song.ogg"]))
    2
    """
    if isinstance(X, (str, bytes, os.PathLike)):
        raise ValueError(
            f"X must be a sequence of clips (paths, waveforms or (waveform, sr) pairs); "
            f"got a single path {os.fsdecode(X)!r}. Wrap it in a list: [path]."
        )
    if isinstance(X, np.ndarray):
        if X.ndim == 0:
            raise ValueError("X must be a sequence of clips; got a 0-d array.")
        if X.ndim == 1 and X.dtype != object:
            raise ValueError(
                f"X must be a sequence of clips; got a 1-D numeric array of shape {X.shape}, "
                "which would be read as clips of one sample each. Pass [y] for one waveform."
            )
        return list(X)
    if hasattr(X, "columns"):  # a pandas DataFrame: one column of clips
        if X.shape[1] != 1:
            raise ValueError(f"X as a DataFrame must have one column of clips; got {X.shape[1]} columns.")
        return list(X.iloc[:, 0])
    try:
        return list(X)
    except TypeError:
        raise ValueError(
            f"X must be a sequence of clips (paths, waveforms, (waveform, sr) pairs or Spectra); "
            f"got {type(X).__name__}. Wrap a single clip in a list."
        ) from None


def describe_item(item):
    """A short human-readable name for an item, for error messages."""
    if isinstance(item, (str, os.PathLike)):
        return repr(os.fspath(item))
    if isinstance(item, tuple) and len(item) == 2:
        wav, rate = item
        return f"({_describe_array(wav)}, sr={rate!r})"
    if isinstance(item, np.ndarray):
        return _describe_array(item)
    name = getattr(item, "name", None)
    if isinstance(name, str):
        return repr(name)
    return f"object of type {type(item).__name__}"


def _describe_array(a):
    a = np.asarray(a) if not isinstance(a, np.ndarray) else a
    return f"array of shape {a.shape} and dtype {a.dtype}"


def item_error(index, item, reason):
    """The package's error for ``item`` at position ``index`` of X."""
    where = "item" if index is None else f"X[{index}]"
    return InvalidAudioError(
        f"{where} ({describe_item(item)}): {reason}",
        index=index,
        item=describe_item(item),
        reason=reason,
    )


def _decode_file(source):
    """Decode with soundfile; fall back to audioread for formats it lacks."""
    import soundfile as sf

    try:
        data, rate = sf.read(source, dtype="float32", always_2d=True)
        return data.T, rate
    except sf.LibsndfileError as sf_error:
        first_error = sf_error
    except (RuntimeError, TypeError) as sf_error:
        first_error = sf_error
    if not isinstance(source, (str, os.PathLike)):
        raise first_error
    try:
        import audioread
        import audioread.rawread
    except ImportError:
        raise first_error from None
    # rawread only reads WAV/AIFF/AU, which libsndfile already does better,
    # and it leaves the file open when it fails: use the real decoders only.
    backends = [b for b in audioread.available_backends() if b is not audioread.rawread.RawAudioFile]
    if not backends:
        raise first_error
    try:
        with audioread.audio_open(os.fspath(source), backends=backends) as f:
            rate, channels = f.samplerate, f.channels
            chunks = [np.frombuffer(buf, dtype="<i2") for buf in f]
    except Exception:
        # audioread's own errors (NoBackendError, DecodeError) say less than
        # libsndfile's; report the first decoder's reason.
        raise first_error from None
    pcm = np.concatenate(chunks) if chunks else np.zeros(0, dtype="<i2")
    data = (pcm.astype(np.float32) / 32768.0).reshape(-1, channels).T
    return data, rate


def load_audio(item, sr, *, index=None):
    """Load one item of X as a mono float32 waveform at ``sr`` Hz.

    Stereo and multichannel files are mixed down by the channel mean, other
    rates resampled with soxr (``soxr_hq``), exactly as
    ``librosa.load(path, sr=sr, mono=True)``.

    Parameters
    ----------
    item : str, PathLike, binary file object, np.ndarray or (np.ndarray, int)
        The clip.
    sr : int
        Target sample rate in Hz.
    index : int, optional
        Position of the item in X, for error messages.

    Returns
    -------
    y : np.ndarray [shape=(n,), dtype=float32]
        Finite, non-empty mono waveform.

    Raises
    ------
    InvalidAudioError
        If the item is missing, undecodable, empty, non-finite, not 1-D,
        or not floating point.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.io import load_audio
    >>> load_audio((np.ones(8), 16000), sr=8000).shape
    (4,)
    """
    if isinstance(item, (str, os.PathLike)) or hasattr(item, "read"):
        if isinstance(item, (str, os.PathLike)):
            path = os.fspath(item)
            if not os.path.exists(path):
                raise item_error(index, item, "no such file")
            if os.path.isdir(path):
                raise item_error(index, item, "is a directory, not an audio file")
        try:
            data, rate = _decode_file(item)
        except Exception as error:  # any decoder failure is the item's
            raise item_error(
                index, item, f"could not decode audio ({type(error).__name__}: {error})"
            ) from error
        if data.shape[0] == 0:
            raise item_error(index, item, "the file has no audio channels")
        y = data.mean(axis=0) if data.shape[0] > 1 else data[0]
    elif isinstance(item, tuple):
        if len(item) != 2:
            raise item_error(index, item, "a tuple item must be (waveform, sample_rate)")
        y, rate = item
        y = _check_waveform(y, index, item)
        if not isinstance(rate, Real) or isinstance(rate, bool) or not rate > 0 or not np.isfinite(rate):
            raise item_error(index, item, f"sample rate must be a positive number; got {rate!r}")
    else:
        y = _check_waveform(item, index, item)
        rate = sr
    y = np.asarray(y, dtype=np.float32)
    if y.size == 0:
        raise item_error(index, item, "the audio is empty (zero samples)")
    if not np.isfinite(y).all():
        raise item_error(index, item, "the audio contains NaN or infinite samples")
    if rate != sr:
        y = resample(y, rate, sr, quality=RES_TYPE)
        if y.size == 0:
            raise item_error(index, item, f"the audio is too short to resample from {rate} Hz to {sr} Hz")
    return np.ascontiguousarray(y, dtype=np.float32)


def _check_waveform(y, index, item):
    if isinstance(y, (list, tuple)):
        y = np.asarray(y)
    if not isinstance(y, np.ndarray):
        raise item_error(
            index,
            item,
            "expected a file path, a 1-D waveform or a (waveform, sample_rate) pair",
        )
    if y.ndim != 1:
        raise item_error(
            index,
            item,
            f"a waveform must be 1-D (mono samples); got {y.ndim} dimensions. "
            "Mix multichannel audio down first, e.g. with librosa.to_mono",
        )
    if not np.issubdtype(y.dtype, np.floating):
        raise item_error(
            index,
            item,
            f"a waveform must hold floating-point samples; got dtype {y.dtype}. "
            "Scale integer PCM first, e.g. y / 32768 for int16",
        )
    return y
