"""MFCC statistics of the harmonic and the percussive parts (feature set ``'extended'``).

The room of one feature group, and of the per-frame MFCC of H and P that
:class:`~musicfeat.HPMFCCVLAD` encodes too: :func:`hp_mfcc_frames` computes
them once per clip (kept in the clip's :class:`~musicfeat.Spectra`), a block
of frames at a time (:func:`hp_mfcc_block`), and :func:`frame_statistics`
summarises them. The two steps are separate functions so that a block-by-block
engine can call the first per block and the second once at the end.
"""

from functools import lru_cache

import numpy as np

from ..blockwise import N_MELS, frame_blocks, mel_power
from ..frontend import FrontEndConfig
from ..stats import MOMENT_DESCRIPTIONS, MOMENT_NAMES, moments
from ..streaming import FrameSeries, whole_clip_block
from ._base import DEFAULT_MAX_DURATION, ClipTransformer
from ._frames import MFCCParameter
from .rhythm import mel_power_of_p

__all__ = [
    "HPMFCCFeatures",
    "PARTS",
    "STATS",
    "AMIN",
    "dct_matrix",
    "hp_mfcc_block",
    "hp_mfcc_frames",
    "block_hp_mfcc",
    "frame_statistics",
]

#: The two parts of the HPSS, in output order.
PARTS = ("harmonic", "percussive")
#: The statistics over frames of each coefficient, in output order.
STATS = (*MOMENT_NAMES, "p10", "p50", "p90")
#: Quantiles of the ``p`` statistics (percent).
_PERCENTILES = (10.0, 50.0, 90.0)
#: Power floor of the dB scale (``librosa.power_to_db``'s ``amin``): -100 dB.
AMIN = 1e-10

_STAT_DESCRIPTIONS = {
    **MOMENT_DESCRIPTIONS,
    **{f"p{q:g}": f"{q:g}th percentile over frames (linear interpolation)" for q in _PERCENTILES},
}


@lru_cache(maxsize=8)
def dct_matrix(n_mfcc, n_mels=N_MELS):
    """The first ``n_mfcc`` rows of the orthonormal DCT-II on ``n_mels`` points, read-only.

    ``dct_matrix(n) @ S_db`` is ``librosa.feature.mfcc(S=S_db, n_mfcc=n)``
    (``scipy.fft.dct(S_db, axis=0, type=2, norm='ortho')[:n]``).

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.groups.hp_mfcc import dct_matrix
    >>> D = dct_matrix(20)
    >>> D.shape, bool(np.allclose(D @ D.T, np.eye(20)))
    ((20, 128), True)
    """
    import scipy.fft

    matrix = scipy.fft.dct(np.eye(n_mels), type=2, norm="ortho", axis=0)[:n_mfcc]
    matrix.setflags(write=False)
    return matrix


def _mfcc_of_power(mel, n_mfcc):
    # power_to_db(mel, ref=1.0, amin=AMIN, top_db=None): no floor relative to
    # the clip's maximum, so each frame's value depends on that frame alone.
    return dct_matrix(n_mfcc) @ (10.0 * np.log10(np.maximum(mel.astype(np.float64), AMIN)))


def hp_mfcc_block(H, P, sr, n_fft, n_mfcc):
    """The MFCC of H and of P for a block of frames, and which frames are silent.

    Parameters
    ----------
    H, P : np.ndarray [shape=(1 + n_fft // 2, b)]
        Harmonic and percussive magnitudes of ``b`` frames.
    sr, n_fft : int
        The analysis.
    n_mfcc : int
        Coefficients per part.

    Returns
    -------
    frames : np.ndarray [shape=(2 * n_mfcc, b), dtype=float64]
        ``librosa.feature.mfcc(S=power_to_db(melspectrogram(S=X**2, sr=sr),
        top_db=None), n_mfcc=n_mfcc)`` of ``X = H`` (rows ``0..n_mfcc-1``) and
        of ``X = P`` (the rest).
    silent : np.ndarray [shape=(b,), dtype=bool]
        Frames whose every mel band of H and of P is at or below
        :data:`AMIN` (digital silence: the frame is the -100 dB floor).

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.groups.hp_mfcc import hp_mfcc_block
    >>> zeros = np.zeros((1025, 3), dtype=np.float32)
    >>> frames, silent = hp_mfcc_block(zeros, zeros, 22050, 2048, 20)
    >>> frames.shape, silent.tolist()
    ((40, 3), [True, True, True])
    """
    mel_h, mel_p = mel_power(H, sr, n_fft), mel_power(P, sr, n_fft)
    frames = np.vstack([_mfcc_of_power(mel_h, n_mfcc), _mfcc_of_power(mel_p, n_mfcc)])
    silent = (mel_h.max(axis=0, initial=0.0) <= AMIN) & (mel_p.max(axis=0, initial=0.0) <= AMIN)
    return frames, silent


def hp_mfcc_frames(spectra, n_mfcc):
    """:func:`hp_mfcc_block` over a whole clip, computed once per clip and ``n_mfcc``.

    Parameters
    ----------
    spectra : Spectra
    n_mfcc : int

    Returns
    -------
    frames : np.ndarray [shape=(2 * n_mfcc, t), dtype=float64]
    silent : np.ndarray [shape=(t,), dtype=bool]
    """
    return block_hp_mfcc(whole_clip_block(spectra), n_mfcc)


def block_hp_mfcc(block, n_mfcc):
    """:func:`hp_mfcc_block` of a :class:`~musicfeat.streaming.SpectraBlock`, once per block and ``n_mfcc``.

    Shared by :class:`HPMFCCFeatures` and :class:`~musicfeat.HPMFCCVLAD`
    through the block's memo; the mel power of P is the rhythm group's too
    (one mel projection of P per clip).
    """
    return block.memo(f"hp_mfcc.frames.{n_mfcc}", lambda b: _block_frames(b, n_mfcc))


def _block_frames(block, n_mfcc):
    c = block.config
    H, mel_p = block.H, mel_power_of_p(block)
    frames = np.empty((2 * n_mfcc, H.shape[1]), dtype=np.float64)
    silent = np.empty(H.shape[1], dtype=bool)
    # In FRAME_BLOCK slices (the stream's blocks start at multiples of it), so
    # each BLAS product has the same shape whichever engine runs.
    for part in frame_blocks(H.shape[1]):
        mel_h = mel_power(H[:, part], c.sr, c.n_fft)
        frames[:n_mfcc, part] = _mfcc_of_power(mel_h, n_mfcc)
        frames[n_mfcc:, part] = _mfcc_of_power(mel_p[:, part], n_mfcc)
        silent[part] = (mel_h.max(axis=0, initial=0.0) <= AMIN) & (
            mel_p[:, part].max(axis=0, initial=0.0) <= AMIN
        )
    return frames, silent


def frame_statistics(frames):
    """The :data:`STATS` of each row over frames: ``(rows, 7)``, float64, never NaN.

    Mean, std, skew and kurtosis as :func:`musicfeat.stats.moments`; the
    percentiles as ``np.percentile`` (linear interpolation).

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.groups.hp_mfcc import frame_statistics
    >>> frame_statistics(np.array([[0.0, 1.0, 2.0, 3.0, 4.0]])).round(3)
    array([[ 2.   ,  1.414,  0.   , -1.3  ,  0.4  ,  2.   ,  3.6  ]])
    """
    percentiles = np.percentile(frames, _PERCENTILES, axis=-1)  # (3, rows)
    return np.concatenate([moments(frames), percentiles.T], axis=-1)


class HPMFCCFeatures(MFCCParameter, ClipTransformer):
    """Seven statistics of the MFCCs of the harmonic and of the percussive part (``14 * n_mfcc``).

    For ``X`` in (H, P), the parts of :class:`~musicfeat.Spectra`:
    ``librosa.feature.mfcc(S=librosa.power_to_db(melspectrogram(S=X**2, sr=sr),
    ref=1.0, amin=1e-10, top_db=None), n_mfcc=n_mfcc)`` (128 Slaney mel bands,
    DCT type 2, orthonormal), then per coefficient over frames: mean, std,
    skewness, excess kurtosis, and the 10th, 50th and 90th percentiles.
    Without the usual 80 dB floor below the clip's loudest frame, quiet
    frames keep their shape, and a frame's coefficients depend on that frame
    alone. The timbre of the sustained notes and of the attacks apart: the
    summary of ``MFCCFeatures`` on each part, with the shape of their
    distribution over the clip. Output order: part, coefficient, statistic
    (``harmonic_mfcc0_mean``, ..., ``percussive_mfcc19_p90``).

    Parameters
    ----------
    n_mfcc : int, default=20
        Coefficients per part, at most the 128 mel bands.
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration
        As in :class:`HPSSFeatures`.

    See Also
    --------
    HPMFCCVLAD : the same frames encoded against a codebook learnt in ``fit``.
    MFCCFeatures : mean and std of the MFCCs of the whole spectrogram.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import HPMFCCFeatures
    >>> noise = (0.1 * np.random.default_rng(0).standard_normal(22050)).astype(np.float32)
    >>> group = HPMFCCFeatures()
    >>> group.fit_transform([noise]).shape
    (1, 280)
    >>> [str(n) for n in group.get_feature_names_out()[:2]]
    ['harmonic_mfcc0_mean', 'harmonic_mfcc0_std']
    """

    def __init__(
        self,
        *,
        n_mfcc=20,
        sr=FrontEndConfig.sr,
        n_fft=FrontEndConfig.n_fft,
        hop_length=FrontEndConfig.hop_length,
        kernel_size=FrontEndConfig.kernel_size,
        hpss_power=FrontEndConfig.hpss_power,
        hpss_margin=FrontEndConfig.hpss_margin,
        on_error="raise",
        max_duration=DEFAULT_MAX_DURATION,
    ):
        super().__init__(
            sr=sr,
            n_fft=n_fft,
            hop_length=hop_length,
            kernel_size=kernel_size,
            hpss_power=hpss_power,
            hpss_margin=hpss_margin,
            on_error=on_error,
            max_duration=max_duration,
        )
        self.n_mfcc = n_mfcc

    def feature_names(self):
        n = self._check_group_params()["n_mfcc"]
        return [f"{part}_mfcc{i}_{stat}" for part in PARTS for i in range(n) for stat in STATS]

    def feature_descriptions(self):
        n = self._check_group_params()["n_mfcc"]
        symbol = {"harmonic": "H", "percussive": "P"}
        return [
            f"MFCC {i} of the log mel power (no dB floor) of the {part} part {symbol[part]}, "
            f"{_STAT_DESCRIPTIONS[stat]}"
            for part in PARTS
            for i in range(n)
            for stat in STATS
        ]

    def accumulator(self, config):
        n_mfcc = self._check_group_params()["n_mfcc"]
        # Percentiles over all frames need all frames: 2 * n_mfcc floats per frame are kept.
        return FrameSeries(
            lambda block: block_hp_mfcc(block, n_mfcc)[0], lambda frames: frame_statistics(frames).ravel()
        )
