"""Frame-local work in bounded blocks: the block walker, projections of frames, their bases.

The room below the feature groups and beside the front end: helpers that any
group (or the front end) uses to walk a clip's spectrogram a block of frames
at a time, so that temporaries stay a few tens of MB whatever the clip's
length, and the fixed bases frames are projected onto (mel filters). It
imports nothing else of the package.
"""

import warnings
from functools import lru_cache

import numpy as np

__all__ = [
    "FRAME_BLOCK",
    "N_MELS",
    "frame_blocks",
    "project_frames",
    "as_float64",
    "mel_basis",
    "mel_power",
    "mel_filters_cover",
]

#: Mel bands of every mel spectrogram (librosa's default).
N_MELS = 128

#: Frames per block when projecting spectrogram frames: bounds the float64
#: and squared temporaries to a few tens of MB whatever the clip's length.
FRAME_BLOCK = 2048


def frame_blocks(n_frames):
    """Slices covering ``range(n_frames)`` in blocks of :data:`FRAME_BLOCK` frames.

    Every frame-local step walks a clip this way, so the block size is set in
    one place (and read when called, so a test can make blocks tiny).

    Examples
    --------
    >>> from musicfeat.blockwise import frame_blocks
    >>> [(b.start, b.stop) for b in frame_blocks(5000)]
    [(0, 2048), (2048, 4096), (4096, 6144)]
    """
    return [slice(start, start + FRAME_BLOCK) for start in range(0, n_frames, FRAME_BLOCK)]


def project_frames(matrix, X, transform, dtype):
    """``matrix @ transform(X)`` computed over blocks of frames (columns).

    Parameters
    ----------
    matrix : np.ndarray [shape=(k, d)]
    X : np.ndarray [shape=(d, t)]
    transform : callable
        Applied to each block ``X[:, a:b]`` (e.g. squaring, a cast).
    dtype : numpy dtype
        Of the result.

    Returns
    -------
    np.ndarray [shape=(k, t)]

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.blockwise import project_frames
    >>> X = np.arange(6.0).reshape(2, 3)
    >>> project_frames(np.ones((1, 2)), X, np.square, np.float64)
    array([[ 9., 17., 29.]])
    """
    out = np.empty((matrix.shape[0], X.shape[1]), dtype=dtype)
    for block in frame_blocks(X.shape[1]):
        out[:, block] = matrix @ transform(X[:, block])
    return out


def as_float64(X):
    """``X.astype(np.float64)``: the cast a projection applies to each block."""
    return X.astype(np.float64)


@lru_cache(maxsize=16)
def mel_basis(sr, n_fft, n_mels=N_MELS):
    """``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)``: Slaney mel filters, read-only and cached.

    Returns
    -------
    np.ndarray [shape=(n_mels, 1 + n_fft // 2), dtype=float32]

    Examples
    --------
    >>> from musicfeat.blockwise import mel_basis
    >>> mel_basis(22050, 2048).shape
    (128, 1025)
    """
    import librosa

    basis = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)
    basis.setflags(write=False)
    return basis


def mel_power(X, sr, n_fft):
    """``librosa.feature.melspectrogram(S=X**2, sr=sr, n_fft=n_fft)``, a block of frames at a time.

    Parameters
    ----------
    X : np.ndarray [shape=(1 + n_fft // 2, t)]
        A magnitude spectrogram (S, H or P).

    Returns
    -------
    np.ndarray [shape=(128, t), dtype=float32]
        Power in each mel band.
    """
    return project_frames(mel_basis(sr, n_fft), X, np.square, np.float32)


@lru_cache(maxsize=64)
def mel_filters_cover(sr, n_fft, n_mels=N_MELS):
    """Whether each of ``n_mels`` Slaney mel filters (:func:`mel_basis`'s 128 by default) holds an STFT bin.

    librosa's own test (it warns "Empty filters detected" otherwise): every
    filter but one starting at 0 Hz has a positive weight. Frames too short
    for the lowest, narrowest filters leave them empty.

    Examples
    --------
    >>> from musicfeat.blockwise import mel_filters_cover
    >>> mel_filters_cover(22050, 2048), mel_filters_cover(22050, 256)
    (True, False)
    """
    import librosa

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Empty filters detected", category=UserWarning)
        weights = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)
    lower_edges = librosa.mel_frequencies(n_mels + 2, fmin=0.0, fmax=sr / 2)[:-2]
    return bool(np.all((lower_edges == 0) | (weights.max(axis=1) > 0)))
