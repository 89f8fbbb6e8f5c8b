"""The single-Gaussian timbre model of MFCC frames (Mandel and Ellis 2005): a summary group outside the feature sets.

The room of one feature group: the mean and full covariance of a clip's MFCC
frames, accumulated as the spectral covariance is
(:class:`~musicfeat.groups.spectral_covariance.SecondOrderAccumulator`).
"""

import numpy as np

from ..blockwise import N_MELS, frame_blocks
from ..frontend import FrontEndConfig
from ..summaries import covariance_summary
from ._base import DEFAULT_MAX_DURATION, ClipTransformer
from ._frames import MFCCParameter
from ._logmel import log_mel_frames
from .hp_mfcc import dct_matrix
from .spectral_covariance import SecondOrderAccumulator, covariance_descriptions, covariance_names

__all__ = ["GaussianTimbre", "mfcc_frames"]


def mfcc_frames(block, n_mfcc):
    """The block's MFCC frames ``(n_mfcc, frames)``, float64; once per block and ``n_mfcc``.

    ``librosa.feature.mfcc(S=power_to_db(melspectrogram(S=S**2), top_db=None),
    n_mfcc=n_mfcc)`` in float64: the orthonormal DCT-II
    (:func:`~musicfeat.groups.hp_mfcc.dct_matrix`) of the log power in 128
    Slaney mel bands (:func:`~musicfeat.groups._logmel.log_mel_frames`),
    a :data:`~musicfeat.blockwise.FRAME_BLOCK` of frames at a time.
    """
    return block.memo(f"gauss.mfcc64.{n_mfcc}", lambda b: _mfcc(b, n_mfcc))


def _mfcc(block, n_mfcc):
    db = log_mel_frames(block, N_MELS)
    D = dct_matrix(n_mfcc)
    out = np.empty((n_mfcc, db.shape[1]), dtype=np.float64)
    for part in frame_blocks(db.shape[1]):
        out[:, part] = D @ db[:, part]
    return out


class GaussianTimbre(MFCCParameter, ClipTransformer):
    r"""Mean and full covariance of the MFCC frames: the single-Gaussian timbre model (Mandel and Ellis 2005).

    Each frame :math:`t` of the magnitude spectrogram ``S`` gives its first
    ``n_mfcc`` = :math:`d` MFCCs :math:`x_t = D\,\ell_t`: :math:`D` the
    orthonormal DCT-II rows, :math:`\ell_t = 10 \log_{10} \max(M S_t^2, 10^{-10})`
    its power in 128 Slaney mel bands in decibels (float64; no floor relative
    to the clip's maximum: ``librosa.feature.mfcc`` of those dB). The clip
    is modelled as one Gaussian :math:`\mathcal N(\mu, \Sigma)` fitted by
    maximum likelihood, :math:`\mu = \frac1T \sum_t x_t`,
    :math:`\Sigma = \frac1T \sum_t (x_t - \mu)(x_t - \mu)^T`; the row is
    :math:`\mu`, then the upper triangle of :math:`\Sigma` (diagonal
    included, row by row: it is symmetric, so this is all of it),
    :math:`d + d(d+1)/2` values (230 at the default 20).

    Mandel and Ellis [1]_ compare clips by the symmetrised Kullback-Leibler
    divergence of their Gaussians (:func:`musicfeat.summaries.gaussian_kl`,
    from :math:`\mu` and :math:`\Sigma` rebuilt from the row) or, as here,
    give the row itself to a classifier. Accumulated by blocks and merged by
    Chan et al.'s update [2]_: ``engine='stream'`` gives the whole clip's
    values bit for bit. A one-frame clip, or silence, has :math:`\Sigma = 0`
    (not positive definite: add a small ridge before :func:`gaussian_kl`).

    Not in a feature set: on the development corpus it did not improve on
    the 419 or on ``extended`` (``benchmarks/README.md``, results of
    2026-12-06).

    Feature names, in column order (``0 <= i <= j < n_mfcc``):
    ``gauss_mfcc{i}_mean``, then ``gauss_mfcc{i}_mfcc{j}_cov``.

    Parameters
    ----------
    n_mfcc : int, default=20
        Coefficients, at most the 128 mel bands.
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration, engine
        As in :class:`HPSSFeatures`.

    See Also
    --------
    SpectralCovariance : the same summary of log-mel frames.
    MFCCFeatures : the MFCCs' means and standard deviations only.

    References
    ----------
    .. [1] M. Mandel and D. Ellis, "Song-level features and support vector
       machines for music classification", ISMIR 2005.
    .. [2] T. F. Chan, G. H. Golub and R. J. LeVeque, "Updating formulae and
       a pairwise algorithm for computing sample variances", Stanford CS
       report STAN-CS-79-773, 1979.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import GaussianTimbre
    >>> noise = (0.1 * np.random.default_rng(0).standard_normal(22050)).astype(np.float32)
    >>> group = GaussianTimbre()
    >>> row = group.fit_transform([noise])[0]
    >>> row.shape
    (230,)
    >>> [str(n) for n in group.get_feature_names_out()[[0, 20, 21]]]
    ['gauss_mfcc0_mean', 'gauss_mfcc0_mfcc0_cov', 'gauss_mfcc0_mfcc1_cov']
    >>> cov = np.zeros((20, 20))
    >>> cov[np.triu_indices(20)] = row[20:]
    >>> cov = cov + np.triu(cov, 1).T  # the full covariance back
    >>> bool(np.all(np.linalg.eigvalsh(cov) > 0))
    True
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
        engine="auto",
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
            engine=engine,
        )
        self.n_mfcc = n_mfcc

    def feature_names(self):
        n = self._check_group_params()["n_mfcc"]
        return covariance_names("gauss", [f"mfcc{i}" for i in range(n)], "covariance")

    def feature_descriptions(self):
        n = self._check_group_params()["n_mfcc"]
        return covariance_descriptions(
            lambda c: f"MFCC {c[4:]} of the log mel power (dB, no floor) of S",
            [f"mfcc{i}" for i in range(n)],
            "covariance",
        )

    def accumulator(self, config):
        n_mfcc = self._check_group_params()["n_mfcc"]
        return SecondOrderAccumulator(lambda block: mfcc_frames(block, n_mfcc), n_mfcc, covariance_summary)
