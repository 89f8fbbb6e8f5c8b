"""librosa's routines that the default features need, transcribed in NumPy.

Importing ``librosa.util.utils``, ``librosa.core.audio`` or
``librosa.core.pitch`` compiles their numba ufuncs (``guvectorize`` with
explicit signatures compile at import): about 15 s on a machine whose numba
cache is cold, most of a first ``musicfeat features`` after installing. The
default 419 features use none of those ufuncs, only simple array code from
those modules; that code is here, the same NumPy operations in the same
order and precision as librosa 0.11, so every value is the same, bit for bit
(``tests/test_dsp.py`` compares each function with librosa's).
librosa modules that compile nothing at import (``librosa.filters`` for the
mel and window functions, ``librosa.core.convert``) are still used directly.

Only the arguments musicfeat passes are supported; each function names the
librosa call it equals.

A leaf room, below :mod:`musicfeat.io`, :mod:`musicfeat.frontend` and the
groups: it imports nothing else of the package.
"""

from functools import lru_cache

import numpy as np

__all__ = [
    "stft_magnitude",
    "stft_magnitude_of_padded",
    "power_to_db",
    "db_levels",
    "onset_strength",
    "chroma_stft",
    "tonnetz",
    "normalize",
    "frame",
    "autocorrelate",
    "tempogram_lag_sums",
    "pitch_tuning",
    "resample",
]

#: Frames per call of the FFT: the frames, their float64 windowed copy and
#: their complex spectra (about 3 MB at n_fft = 2048) stay in the CPU's
#: cache. 256 frames per call took a third longer on the whole STFT.
_STFT_BLOCK = 64


def stft_magnitude(y, n_fft, hop_length):
    """``abs(librosa.stft(y, n_fft=n_fft, hop_length=hop_length, center=True, pad_mode="constant"))``.

    Hann window of ``n_fft`` samples, frames centred by zero padding
    ``n_fft // 2`` samples at each end. As in librosa each frame is windowed
    and transformed in float64, rounded to complex64 (for float32 audio),
    then its magnitude taken; the complex spectrogram is never held whole.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], float32 or float64
    n_fft, hop_length : int

    Returns
    -------
    np.ndarray [shape=(1 + n_fft // 2, 1 + (n + 2 * (n_fft // 2) - n_fft) // hop_length)]
        Fortran-ordered (frames contiguous), as librosa's; float32 for float32 audio.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import stft_magnitude
    >>> sr = 22050
    >>> y = np.sin(2 * np.pi * 1000 * np.arange(sr) / sr).astype(np.float32)
    >>> S = stft_magnitude(y, 2048, 512)
    >>> S.shape, S.dtype, int(S[:, 20].argmax())     # 1 kHz is bin 1000 * 2048 / 22050
    ((1025, 44), dtype('float32'), 93)
    """
    return stft_magnitude_of_padded(np.pad(y, n_fft // 2, mode="constant"), n_fft, hop_length)


def stft_magnitude_of_padded(padded, n_fft, hop_length):
    """The frames of :func:`stft_magnitude` that lie in ``padded``, a stretch of the zero-padded signal.

    ``stft_magnitude(y)`` is this function of ``np.pad(y, n_fft // 2)``;
    a stretch of that padded signal starting at a multiple of ``hop_length``
    gives the same frames, each computed on its own, bit for bit: the
    streaming front end computes a clip's STFT a block of frames at a time
    with it.

    Returns
    -------
    np.ndarray [shape=(1 + n_fft // 2, 1 + (len(padded) - n_fft) // hop_length)]
    """
    import scipy.signal

    window = scipy.signal.get_window("hann", n_fft, fftbins=True)
    # One frame per row (a view): each FFT runs along the contiguous last
    # axis, where numpy's pocketfft copies nothing in or out, and each
    # frame's transform is the same 1-D transform as along librosa's axis.
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop_length]
    # librosa.util.dtype_r2c: complex128 for float64 audio, complex64 otherwise
    complex_dtype, real_dtype = (
        (np.complex128, np.float64) if padded.dtype == np.float64 else (np.complex64, np.float32)
    )
    S = np.empty((1 + n_fft // 2, frames.shape[0]), dtype=real_dtype, order="F")
    for start in range(0, frames.shape[0], _STFT_BLOCK):
        block = slice(start, start + _STFT_BLOCK)
        spectrum = np.fft.rfft(frames[block] * window, axis=-1).astype(complex_dtype)
        np.abs(spectrum, out=S.T[block])  # S's frames are its contiguous rows of S.T
    return S


def power_to_db(S, amin=1e-10, top_db=80.0):
    """``librosa.power_to_db(S)`` (``ref=1.0``): ``10 log10(max(S, amin))``, floored at ``max - top_db``.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import power_to_db
    >>> power_to_db(np.array([1.0, 10.0, 0.0]))
    array([  0.,  10., -70.])
    """
    log_spec = db_levels(S, amin)
    return np.maximum(log_spec, log_spec.max() - top_db)


def db_levels(S, amin=1e-10):
    """:func:`power_to_db` before its floor: ``10 log10(max(S, amin))``, element by element.

    The floor ``max - top_db`` is the one step that spans the whole array;
    the stream engine takes these levels a block at a time, and the floor
    from the largest of their maxima.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import db_levels
    >>> db_levels(np.array([1.0, 10.0, 0.0]))
    array([   0.,   10., -100.])
    """
    S = np.asarray(S)
    log_spec = 10.0 * np.log10(np.maximum(amin, S))
    log_spec -= 10.0 * np.log10(np.maximum(amin, 1.0))
    return log_spec


def onset_strength(S_db, n_fft, hop_length):
    """``librosa.onset.onset_strength(S=S_db, n_fft=n_fft, hop_length=hop_length)``.

    The mean over bands of the positive first difference along time (lag 1,
    no maximum filter), shifted right by ``1 + n_fft // (2 * hop_length)``
    frames to counter the centred framing, and trimmed to the input's frames.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import onset_strength
    >>> S_db = np.array([[0.0, 1.0, 3.0, 3.0, 0.0, 2.0]] * 2, dtype=np.float32)
    >>> onset_strength(S_db, n_fft=4, hop_length=2)
    array([0., 0., 1., 2., 0., 0.], dtype=float32)
    """
    S = np.atleast_2d(S_db)
    rise = np.maximum(0.0, S[..., 1:] - S[..., :-1])
    envelope = np.empty((1, rise.shape[-1]), order="F" if np.isfortran(rise) else "C", dtype=rise.dtype)
    envelope[0] = np.mean(rise, axis=-2)
    pad_width = 1 + n_fft // (2 * hop_length)
    envelope = np.pad(envelope, [(0, 0), (int(pad_width), 0)], mode="constant")
    return envelope[0, : S.shape[-1]]


def normalize(S, norm=np.inf, axis=0):
    """``librosa.util.normalize(S, norm=norm, axis=axis)`` for ``norm`` in ``inf``, 1 and 2.

    Each slice along ``axis`` divided by its norm; slices whose norm is below
    the dtype's smallest normal number are left as they are.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import normalize
    >>> normalize(np.array([[1.0, 0.0], [3.0, 0.0]]), norm=1)
    array([[0.25, 0.  ],
           [0.75, 0.  ]])
    """
    if not np.all(np.isfinite(S)):
        raise ValueError("normalize: input must be finite")
    threshold = np.finfo(S.dtype if np.issubdtype(S.dtype, np.inexact) else np.float32).tiny
    magnitude = np.abs(S).astype(float)
    if norm == np.inf:
        length = np.max(magnitude, axis=axis, keepdims=True)
    elif norm in (1, 2):
        length = np.sum(magnitude**norm, axis=axis, keepdims=True) ** (1.0 / norm)
    else:
        raise ValueError(f"normalize: unsupported norm {norm!r}")
    length[length < threshold] = 1.0
    normalized = np.empty_like(S)
    normalized[:] = S / length
    return normalized


@lru_cache(maxsize=16)
def _chroma_filters(sr, n_fft, tuning, n_chroma=12, ctroct=5.0, octwidth=2.0):
    # librosa.filters.chroma(sr=sr, n_fft=n_fft, tuning=tuning): Gaussian
    # bumps around each pitch class, L2-normalised per bin, weighted towards
    # the octaves around ctroct, rotated to start at C.
    import librosa

    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    frqbins = n_chroma * librosa.hz_to_octs(frequencies, tuning=tuning, bins_per_octave=n_chroma)
    frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
    binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
    D = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype="d")).T
    n_chroma2 = np.round(float(n_chroma) / 2)
    D = np.remainder(D + n_chroma2 + 10 * n_chroma, n_chroma) - n_chroma2
    weights = np.exp(-0.5 * (2 * D / np.tile(binwidthbins, (n_chroma, 1))) ** 2)
    weights = normalize(weights, norm=2, axis=0)
    weights *= np.tile(np.exp(-0.5 * (((frqbins / n_chroma - ctroct) / octwidth) ** 2)), (n_chroma, 1))
    weights = np.roll(weights, -3 * (n_chroma // 12), axis=0)
    weights = np.ascontiguousarray(weights[:, : int(1 + n_fft / 2)], dtype=np.float32)
    weights.setflags(write=False)
    return weights


def chroma_stft(S, sr, n_fft, tuning):
    """``librosa.feature.chroma_stft(S=S, sr=sr, n_fft=n_fft, tuning=tuning)`` for a power spectrogram.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import chroma_stft
    >>> S = np.zeros((1025, 1), dtype=np.float32)
    >>> S[41] = 1.0                      # 441 Hz: the note A
    >>> int(chroma_stft(S, 22050, 2048, tuning=0.0)[:, 0].argmax())
    9
    """
    raw = np.einsum("cf,...ft->...ct", _chroma_filters(sr, n_fft, float(tuning)), S, optimize=True)
    return normalize(raw, norm=np.inf, axis=-2)


def tonnetz(chroma):
    """``librosa.feature.tonnetz(chroma=chroma)``: each L1-normalised frame on the circles of fifths and thirds.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import tonnetz
    >>> tonnetz(np.eye(12)[:, :1]).shape
    (6, 1)
    """
    dim_map = np.linspace(0, 12, num=chroma.shape[-2], endpoint=False)
    scale = np.asarray([7.0 / 6, 7.0 / 6, 3.0 / 2, 3.0 / 2, 2.0 / 3, 2.0 / 3])
    V = np.multiply.outer(scale, dim_map)
    V[::2] -= 0.5
    R = np.array([1, 1, 1, 1, 0.5, 0.5])
    phi = R[:, np.newaxis] * np.cos(np.pi * V)
    return np.einsum("pc,...ci->...pi", phi, normalize(chroma, norm=1, axis=-2), optimize=True)


def frame(x, frame_length, hop_length):
    """``librosa.util.frame(x, frame_length=..., hop_length=...)`` of a 1-D series: a read-only view.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import frame
    >>> frame(np.arange(5), 3, 2)
    array([[0, 2],
           [1, 3],
           [2, 4]])
    """
    return np.lib.stride_tricks.sliding_window_view(x, frame_length)[::hop_length].T


def autocorrelate(y, axis=-1):
    """``librosa.autocorrelate(y, axis=axis)`` of real data: the inverse FFT of the power spectrum.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import autocorrelate
    >>> autocorrelate(np.array([1.0, 2.0, 3.0])).round(6)
    array([14.,  8.,  3.])
    """
    import scipy.fft

    n_pad = scipy.fft.next_fast_len(2 * y.shape[axis] - 1, real=True)
    spectrum = np.fft.rfft(y, n=n_pad, axis=axis)
    power = np.square(spectrum.real) + np.square(spectrum.imag)  # librosa.util.abs2
    autocorr = np.fft.irfft(power, n=n_pad, axis=axis)
    keep = [slice(None)] * autocorr.ndim
    keep[axis] = slice(y.shape[axis])
    return autocorr[tuple(keep)]


def tempogram_lag_sums(padded, window, n_frames, blocks):
    """The autocorrelation tempogram summed over frames, without holding it or transposing it.

    Equals, bit for bit, the sum over ``blocks`` of
    ``normalize(autocorrelate(frame(padded, w, 1)[:, block] * window[:, None],
    axis=-2), norm=np.inf, axis=-2).sum(axis=-1)`` with ``w = len(window)``:
    the windowed frames of the onset envelope (``librosa.feature.tempogram``),
    each column's autocorrelation normalised to a peak of 1, added up over
    the frames of each block.

    The frames are read as rows of a sliding window over ``padded``
    (contiguous), so each FFT runs along the last axis, where numpy's
    pocketfft needs no transposing copy in or out; each column's transform is
    the same 1-D transform either way. The one step whose rounding depends
    on the layout, the sum over frames, is taken where the reference takes
    it: along the contiguous rows of the ``(w, frames)`` tempogram (numpy's
    pairwise summation).

    Parameters
    ----------
    padded : np.ndarray [shape=(n_frames + w - 1 or more,), dtype=float64]
        The envelope padded by ``w // 2`` at each end.
    window : np.ndarray [shape=(w,)]
    n_frames : int
    blocks : sequence of slice
        Consecutive blocks of frames covering ``range(n_frames)``.

    Returns
    -------
    np.ndarray [shape=(w,), dtype=float64]

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import autocorrelate, frame, normalize, tempogram_lag_sums
    >>> padded, window = np.arange(12.0) % 3, np.hanning(4)
    >>> reference = normalize(autocorrelate(frame(padded, 4, 1)[:, :9] * window[:, None], axis=-2),
    ...                       axis=-2).sum(axis=-1)
    >>> bool(np.array_equal(tempogram_lag_sums(padded, window, 9, [slice(0, 9)]), reference))
    True
    """
    import scipy.fft

    win_length = window.shape[0]
    rows = np.lib.stride_tricks.sliding_window_view(padded, win_length)[:n_frames]
    n_pad = scipy.fft.next_fast_len(2 * win_length - 1, real=True)
    tiny = np.finfo(np.float64).tiny
    total = np.zeros(win_length)
    for block in blocks:
        block_rows = rows[block]
        tempogram = np.empty((block_rows.shape[0], win_length))  # a frame per row
        # The FFTs a few frames at a time (each frame's own transform either
        # way), so that their temporaries stay in the CPU's cache.
        for start in range(0, block_rows.shape[0], _STFT_BLOCK):
            some = slice(start, start + _STFT_BLOCK)
            spectrum = np.fft.rfft(block_rows[some] * window, n=n_pad, axis=-1)
            power = np.square(spectrum.real)  # librosa.util.abs2: re**2 + im**2
            power += np.square(spectrum.imag)
            # irfft casts a real input to complex (imaginary part 0) in a slow
            # copy; handing it that complex array, written in place, is faster.
            spectrum.real, spectrum.imag = power, 0.0
            autocorr = np.fft.irfft(spectrum, n=n_pad, axis=-1)[:, :win_length]
            peak = np.max(np.abs(autocorr), axis=-1, keepdims=True)  # normalize(norm=inf)
            if not np.all(np.isfinite(peak)):  # a row's maximum is finite only if the row is
                raise ValueError("normalize: input must be finite")
            peak[peak < tiny] = 1.0
            np.divide(autocorr, peak, out=tempogram[some])
        total += np.ascontiguousarray(tempogram.T).sum(axis=-1)
    return total


def pitch_tuning(frequencies, resolution=0.01, bins_per_octave=12):
    """``librosa.pitch_tuning(frequencies, ...)``: the mode of the deviations from the tempered grid.

    In fractions of a bin; 0 when no frequency is positive (without
    librosa's warning).

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import pitch_tuning
    >>> round(float(pitch_tuning(np.array([446.0, 446.1, 440.0]))), 2)  # two of three 23 cents sharp
    0.23
    """
    import librosa

    frequencies = np.atleast_1d(frequencies)
    frequencies = frequencies[frequencies > 0]
    if not np.any(frequencies):
        return 0.0
    residual = np.mod(bins_per_octave * librosa.hz_to_octs(frequencies), 1.0)
    residual[residual >= 0.5] -= 1.0
    bins = np.linspace(-0.5, 0.5, int(np.ceil(1.0 / resolution)) + 1)
    counts, tuning = np.histogram(residual, bins)
    return tuning[np.argmax(counts)]


def resample(y, orig_sr, target_sr, quality="soxr_hq"):
    """``librosa.resample(y, orig_sr=..., target_sr=..., res_type=quality)`` of a 1-D signal, with soxr.

    The output has ``ceil(n * target_sr / orig_sr)`` samples (soxr's,
    zero-padded or trimmed to that) and ``y``'s dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import resample
    >>> resample(np.zeros(44100, dtype=np.float32), 44100, 22050).shape
    (22050,)
    """
    import soxr

    if orig_sr == target_sr:
        return y
    n_samples = int(np.ceil(y.shape[-1] * (float(target_sr) / orig_sr)))
    resampled = soxr.resample(y, in_rate=orig_sr, out_rate=target_sr, quality=quality)
    if resampled.shape[-1] > n_samples:
        resampled = resampled[..., :n_samples]
    elif resampled.shape[-1] < n_samples:
        resampled = np.pad(resampled, (0, n_samples - resampled.shape[-1]), mode="constant")
    return np.asarray(resampled, dtype=y.dtype)
