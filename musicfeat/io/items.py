"""X into its clips, what kind each clip is, each clip named in errors, and samples checked.

Arrays are where shapes go wrong: a NumPy array of paths is a sequence of
paths; a 2-D float array is read as one clip per row only when its rows can
be clips, and one that looks like a single multichannel recording (soundfile's
``(frames, channels)``, librosa's ``(channels, samples)``) or a waveform as a
column is refused with what was probably meant.
"""

import os

import numpy as np

from ..exceptions import InvalidAudioError

__all__ = [
    "as_items",
    "item_kind",
    "swapped_pair",
    "describe_item",
    "item_error",
    "check_waveform",
    "finite_float32",
    "samples_problem",
    "MAX_SAMPLE",
]

#: The largest sample magnitude analysed. Audio samples are in [-1, 1]; a
#: float file may exceed that (headroom), and an unscaled integer waveform
#: reaches 2**31 (int32 PCM). Beyond 1e10 the values are not audio; from
#: about 1e17 the 419's float32 analysis overflows (a frame's power sums
#: ``n_fft`` squared samples, and float32 holds up to 3.4e38), with NumPy
#: warnings and an error that says nothing about the file.
MAX_SAMPLE = 1e10

#: The most channels a recording in an array is taken to have: 7.1 surround.
#: A 2-D float X whose rows hold at most this many samples is one recording
#: in (frames, channels) layout, not clips.
MAX_CHANNELS = 8

_CLIPS = "X must be a sequence of clips (paths, waveforms or (waveform, sr) pairs)"


def as_items(X):
    """X as a list of clips, refusing the common mistakes early.

    Parameters
    ----------
    X : sequence of clips, 1-D array of paths (str, bytes or object), 2-D float array of clips (one per row), or one-column DataFrame

    Returns
    -------
    list

    Raises
    ------
    ValueError
        For a single path, a 1-D numeric array (one waveform, not a
        sequence), a 2-D float array shaped like one recording (a column
        ``(n, 1)``, soundfile's ``(frames, channels)``, librosa's stereo
        ``(2, samples)``), a DataFrame of several columns, or anything not
        iterable (such as a single :class:`~musicfeat.Spectra`).

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.io import as_items
    >>> len(as_items([np.zeros(10), "song.ogg"]))
    2
    >>> as_items(np.array(["a.wav", "b.flac"]))
    ['a.wav', 'b.flac']
    """
    if isinstance(X, (str, bytes, os.PathLike)):
        raise ValueError(f"{_CLIPS}; got a single path {os.fsdecode(X)!r}. Wrap it in a list: [path].")
    if isinstance(X, np.ndarray):
        return _array_items(X)
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


def _array_items(X):
    if X.ndim == 0:
        raise ValueError(f"{_CLIPS}; got a 0-d array.")
    if X.ndim == 2 and X.shape[1] == 1 and X.dtype.kind in "USO":
        X = X[:, 0]  # one column of paths or clips, as DataFrame.to_numpy() gives it
    if X.dtype.kind == "U":  # paths as NumPy strings
        return [str(path) for path in X] if X.ndim == 1 else _refuse_shape(X, "paths")
    if X.dtype.kind == "S":
        return [bytes(path) for path in X] if X.ndim == 1 else _refuse_shape(X, "paths")
    if X.dtype == object:
        return list(X) if X.ndim == 1 else _refuse_shape(X, "clips")
    if X.ndim == 1:
        raise ValueError(
            f"{_CLIPS}; got a 1-D numeric array of shape {X.shape}, which would be read as clips "
            "of one sample each. Pass [y] for one waveform."
        )
    if X.ndim == 2 and np.issubdtype(X.dtype, np.floating):
        hint = _layout_hint(X.shape, in_X=True)
        if hint:
            raise ValueError(f"{_CLIPS}; got a 2-D float array of shape {X.shape}: {hint}.")
    return list(X)


def _refuse_shape(X, what):
    raise ValueError(f"{_CLIPS}; got an array of {what} of shape {X.shape}: pass a 1-D array or a list.")


def _layout_hint(shape, *, in_X):
    """What a 2-D float array of this shape probably is, and what to pass instead; None for clips."""
    rows, columns = shape
    if columns == 1:
        meant = "[y[:, 0]]" if in_X else "y[:, 0]"
        return f"this is probably one waveform of {rows} samples as a column: pass {meant}"
    if columns <= MAX_CHANNELS and rows > columns:
        meant = "[y.mean(axis=1)]" if in_X else "y.mean(axis=1)"
        return (
            f"this is probably one recording of {columns} channels in soundfile's (frames, channels) "
            f"layout, not {rows} clips of {columns} samples: pass {meant} (mixed down as files are)"
        )
    if in_X and rows == 2:
        return (
            "this is probably one stereo recording in librosa's (channels, samples) layout: pass "
            "[y.mean(axis=0)] for it mixed down (as files are), or list(X) if these are two clips"
        )
    if not in_X and rows <= MAX_CHANNELS:
        return (
            f"this is probably one recording of {rows} channels in librosa's (channels, samples) "
            "layout: mix it down first, e.g. librosa.to_mono(y) or y.mean(axis=0)"
        )
    return None


def item_kind(item):
    """What kind of clip an item of X is: the one place the package tells them apart.

    Returns
    -------
    {'path', 'file', 'waveform', 'pair', 'spectra'}
        ``'path'``: str, bytes or PathLike; ``'file'``: an open binary file
        object (anything with ``read``); ``'pair'``: any tuple (a
        ``(waveform, sample_rate)`` pair, checked when it is loaded);
        ``'spectra'``: a :class:`~musicfeat.Spectra`; ``'waveform'``:
        anything else (an array, checked when it is loaded).

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from musicfeat.io import item_kind
    >>> [item_kind(x) for x in ["a.wav", io.BytesIO(), np.zeros(4), (np.zeros(4), 8000)]]
    ['path', 'file', 'waveform', 'pair']
    """
    if isinstance(item, (str, bytes, os.PathLike)):
        return "path"
    if _is_spectra(item):
        return "spectra"
    if hasattr(item, "read"):
        return "file"
    if isinstance(item, tuple):
        return "pair"
    return "waveform"


def _is_spectra(item):
    # By name, as the front end (a layer above io) is not imported here.
    return any(c.__name__ == "Spectra" and c.__module__.startswith("musicfeat") for c in type(item).__mro__)


def swapped_pair(item):
    """Whether a pair is ``(sample_rate, waveform)``: a scalar number first, an array second."""
    first, second = item
    scalar = isinstance(first, (int, float, np.integer, np.floating)) and not isinstance(
        first, (bool, np.bool_)
    )
    return scalar and isinstance(second, (np.ndarray, list, tuple)) and np.ndim(second) >= 1


def describe_item(item):
    """A short human-readable name for an item, for error messages."""
    kind = item_kind(item)
    if kind == "path":
        return repr(os.fsdecode(item))
    if kind == "pair" and len(item) == 2:
        wav, rate = item
        if swapped_pair(item):
            return f"({_describe_part(wav)}, {_describe_part(rate)})"
        return f"({_describe_part(wav)}, sr={_describe_part(rate)})"
    if isinstance(item, np.ndarray):
        return _describe_array(item)
    name = getattr(item, "name", None)
    if isinstance(name, str):
        return repr(name)
    return f"object of type {type(item).__name__}"


def _describe_array(a):
    a = np.asarray(a) if not isinstance(a, np.ndarray) else a
    return f"array of shape {a.shape} and dtype {a.dtype}"


def _describe_part(part):
    """One element of a pair: a scalar as itself, anything larger by its shape, never its repr."""
    if isinstance(part, (np.ndarray, list)) and np.ndim(part) > 0:
        return _describe_array(part)
    text = repr(part.item() if isinstance(part, np.generic) else part)
    return text if len(text) <= 40 else f"object of type {type(part).__name__}"


def item_error(index, item, reason):
    """The package's error for ``item`` at position ``index`` of X."""
    where = "item" if index is None else f"X[{index}]"
    return InvalidAudioError(
        f"{where} ({describe_item(item)}): {reason}",
        index=index,
        item=describe_item(item),
        reason=reason,
    )


def check_waveform(y, index, item):
    """``y`` as a 1-D floating-point array, or the item's error saying what it is instead."""
    if isinstance(y, (list, tuple)):
        y = np.asarray(y)
    if not isinstance(y, np.ndarray):
        raise item_error(
            index, item, "expected a file path, a 1-D waveform or a (waveform, sample_rate) pair"
        )
    if y.ndim != 1:
        hint = _layout_hint(y.shape, in_X=False) if y.ndim == 2 else None
        raise item_error(
            index,
            item,
            f"a waveform must be 1-D (mono samples); got {y.ndim} dimensions"
            + (
                f" of shape {y.shape}: {hint}"
                if hint
                else ". Mix multichannel audio down first, e.g. with librosa.to_mono"
            ),
        )
    if not np.issubdtype(y.dtype, np.floating):
        raise item_error(
            index,
            item,
            f"a waveform must hold floating-point samples; got dtype {y.dtype}. "
            "Scale integer PCM first, e.g. y / 32768 for int16",
        )
    return y


def finite_float32(y, index, item):
    """A non-empty float waveform as float32, refusing NaN, infinity and magnitudes over :data:`MAX_SAMPLE`."""
    if y.size == 0:
        raise item_error(index, item, "the audio is empty (zero samples)")
    problem = samples_problem(y)
    if problem:
        raise item_error(index, item, problem)
    return np.asarray(y, dtype=np.float32)


def samples_problem(y, block=None, rate=None, start=0):
    """Why the samples ``y`` cannot be analysed, or None: NaN, infinity, or magnitudes over :data:`MAX_SAMPLE`.

    Two vectorised reductions (min and max, which NaN propagates through)
    when all is well; the rest only for the message.

    Parameters
    ----------
    y : np.ndarray
        Samples: a waveform, or a decoded block mixed down.
    block : np.ndarray [shape=(n, channels)], optional
        The file's samples ``y`` was mixed down from, which the message describes.
    rate : int, optional
        The file's sample rate, with ``start``, the block's first frame in
        the file: the message says when the first bad sample is.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.io.items import samples_problem
    >>> samples_problem(np.array([0.5, -2.0])) is None
    True
    >>> print(samples_problem(np.array([0.5, 1e20])))
    its samples reach 1e+20 in magnitude: not audio, which is within [-1, 1] (musicfeat refuses magnitudes over 1e+10, where its float32 analysis overflows; scale the waveform)
    """
    if not y.size or -MAX_SAMPLE <= y.min() and y.max() <= MAX_SAMPLE:  # False for NaN
        return None
    samples = y if block is None else block
    with np.errstate(all="ignore"):
        magnitude = np.abs(samples.astype(np.float64))
    bad = ~(magnitude <= MAX_SAMPLE)
    where = ""
    if rate:
        first = int(np.argmax(bad.reshape(len(samples), -1).any(axis=1)))
        where = f", the first at {(start + first) / rate:.2f} s"
    if not np.isfinite(samples).all():
        return f"the audio contains NaN or infinite samples{where}"
    largest = float(magnitude.max())
    if block is not None:  # a file's samples
        return (
            f"its sample values reach {largest:.3g}{where}: not audio in [-1, 1] "
            f"(a float file out of range; musicfeat refuses magnitudes over {MAX_SAMPLE:.0e})"
        )
    if largest > float(np.finfo(np.float32).max):
        return (
            f"its samples overflow float32, which musicfeat analyses in: the largest magnitude is "
            f"{largest:.3g}, float32 holds up to {np.finfo(np.float32).max:.3g}. Scale the waveform "
            "(audio is usually within [-1, 1])"
        )
    return (
        f"its samples reach {largest:.3g} in magnitude: not audio, which is within [-1, 1] (musicfeat "
        f"refuses magnitudes over {MAX_SAMPLE:.0e}, where its float32 analysis overflows; scale the waveform)"
    )
