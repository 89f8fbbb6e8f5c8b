"""Log-mel frames in float64, shared by the summary groups (spectral covariance, Gaussian timbre, block patterns).

The frames are those ``benchmarks/candidates.py`` measured: the power
``S**2`` of musicfeat's magnitude spectrogram in float64, projected on
``n_mels`` Slaney mel filters (librosa's, in float64), in decibels with no
floor relative to the clip's maximum (``10 log10(max(m, 1e-10))``), so each
frame's value depends on that frame alone and the frames stream. Each block
of :data:`~musicfeat.blockwise.FRAME_BLOCK` frames is projected on its own,
so the BLAS products have the shapes of the whole clip's whichever engine
runs: both engines give the frames bit for bit.
"""

from functools import lru_cache

import numpy as np

from ..blockwise import frame_blocks, mel_basis

#: Power floor of the dB scale (``librosa.power_to_db``'s ``amin``): -100 dB.
AMIN = 1e-10


@lru_cache(maxsize=16)
def mel_filters64(sr, n_fft, n_mels):
    """:func:`~musicfeat.blockwise.mel_basis` (librosa's Slaney filters) in float64, read-only and cached."""
    basis = mel_basis(sr, n_fft, n_mels).astype(np.float64)
    basis.setflags(write=False)
    return basis


def log_mel_frames(block, n_mels):
    """The block's log-mel frames ``(n_mels, frames)``, float64 dB; once per block and ``n_mels``.

    ``10 log10(max(M S**2, 1e-10))`` with ``M`` = :func:`mel_filters64`:
    ``librosa.power_to_db(librosa.feature.melspectrogram(S=S**2, n_mels=n_mels),
    top_db=None)`` computed in float64.
    """
    return block.memo(f"logmel64.{n_mels}", lambda b: _log_mel(b, n_mels))


def _log_mel(block, n_mels):
    c = block.config
    S = block.S
    M = mel_filters64(c.sr, c.n_fft, n_mels)
    out = np.empty((n_mels, S.shape[1]), dtype=np.float64)
    for part in frame_blocks(S.shape[1]):
        out[:, part] = 10.0 * np.log10(np.maximum(M @ np.square(S[:, part], dtype=np.float64), AMIN))
    return out
