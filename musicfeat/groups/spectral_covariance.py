"""Spectral covariance of log-mel frames (Bergstra, Mandel and Eck 2010): a summary group outside the feature sets.

The room of one feature group. Its accumulator, :class:`SecondOrderAccumulator`,
is :class:`musicfeat.summaries.MeanCovariance` fed a clip's frames a block of
:data:`~musicfeat.blockwise.FRAME_BLOCK` frames at a time and merged in
order (Chan et al.'s update), so both engines run the same float64
operations: the stream equals the whole clip bit for bit.
:class:`~musicfeat.GaussianTimbre` uses the same accumulator on MFCC frames.
"""

import numpy as np

from .. import _validation as v
from ..blockwise import frame_blocks
from ..frontend import FrontEndConfig
from ..summaries import MeanCovariance, covariance_summary
from ._base import DEFAULT_MAX_DURATION, ClipTransformer
from ._frames import MelBandsParameter
from ._logmel import log_mel_frames

__all__ = [
    "SpectralCovariance",
    "SecondOrderAccumulator",
    "KINDS",
    "MAX_N_MELS",
    "check_n_mels",
    "covariance_names",
    "covariance_descriptions",
]

#: The forms of the second-order part, as :func:`musicfeat.summaries.covariance_summary` names them.
KINDS = ("covariance", "correlation", "log_eigenvalues")
#: Most mel bands a summary group accepts.
MAX_N_MELS = 256


class SecondOrderAccumulator:
    """A clip's frames into a :class:`~musicfeat.summaries.MeanCovariance`, then its summary.

    Parameters
    ----------
    frames_of : callable
        ``SpectraBlock`` to its frames ``(n_features, frames)``, float64.
    n_features : int
    summarise : callable
        The accumulator of the whole clip to the clip's row.

    Each block's frames are added in slices of
    :data:`~musicfeat.blockwise.FRAME_BLOCK` frames (where the stream's blocks
    start), so the sequence of updates, and so every rounding, is the same
    whether the clip comes whole or in blocks.
    """

    def __init__(self, frames_of, n_features, summarise):
        self.frames_of, self.summarise = frames_of, summarise
        self.acc = MeanCovariance(n_features)

    def add(self, block):
        X = self.frames_of(block)
        for part in frame_blocks(X.shape[1]):
            self.acc.add(X[:, part])

    def finish(self):
        return self.summarise(self.acc)


def check_n_mels(owner, value, minimum=1):
    """``n_mels`` validated: an int from ``minimum`` to :data:`MAX_N_MELS`; errors name ``owner``."""
    return v.check_int(owner, "n_mels", value, minimum=minimum, maximum=MAX_N_MELS)


def covariance_names(prefix, labels, kind):
    """Names of :func:`~musicfeat.summaries.covariance_summary`'s vector of frames labelled ``labels``."""
    d = len(labels)
    names = [f"{prefix}_{a}_mean" for a in labels]
    if kind == "covariance":
        i, j = np.triu_indices(d)
        names += [f"{prefix}_{labels[a]}_{labels[b]}_cov" for a, b in zip(i, j, strict=True)]
    elif kind == "correlation":
        i, j = np.triu_indices(d, k=1)
        names += [f"{prefix}_{a}_std" for a in labels]
        names += [f"{prefix}_{labels[a]}_{labels[b]}_corr" for a, b in zip(i, j, strict=True)]
    else:
        names += [f"{prefix}_logeig{k}" for k in range(d)]
    return names


def covariance_descriptions(series, labels, kind):
    """Definitions aligned with :func:`covariance_names`; ``series(label)`` says what a row is."""
    d = len(labels)
    out = [f"{series(a)}, mean over frames" for a in labels]
    if kind == "covariance":
        i, j = np.triu_indices(d)
        out += [
            f"covariance over frames (population, ddof=0) of {series(labels[a])} and {series(labels[b])}"
            for a, b in zip(i, j, strict=True)
        ]
    elif kind == "correlation":
        i, j = np.triu_indices(d, k=1)
        out += [f"{series(a)}, standard deviation over frames" for a in labels]
        out += [
            f"Pearson correlation over frames of {series(labels[a])} and {series(labels[b])} "
            "(0 when either is constant)"
            for a, b in zip(i, j, strict=True)
        ]
    else:
        out += [
            f"natural log of the {k + 1}-th largest eigenvalue of the covariance over frames (floored at 1e-10)"
            for k in range(d)
        ]
    return out


class SpectralCovariance(MelBandsParameter, ClipTransformer):
    r"""Mean and covariance over frames of the log-mel spectrum: spectral covariance (Bergstra, Mandel and Eck 2010).

    Each frame :math:`t` of the magnitude spectrogram ``S`` gives the vector
    :math:`x_t \in \mathbb{R}^d` of its power in ``n_mels`` = :math:`d`
    Slaney mel bands in decibels,
    :math:`x_t = 10 \log_{10} \max(M S_t^2, 10^{-10})` (float64; no floor
    relative to the clip's maximum). Over the clip's :math:`T` frames, with
    :math:`\mu = \frac1T \sum_t x_t` and
    :math:`C = \frac1T \sum_t (x_t - \mu)(x_t - \mu)^T` (population
    covariance), the row is :math:`\mu`, then by ``kind``:

    - ``"covariance"``: the upper triangle of :math:`C`, diagonal included,
      row by row (:math:`C_{00}, C_{01}, \dots, C_{d-1,d-1}`), :math:`d(d+1)/2`
      values, the representation of [1]_;
    - ``"correlation"``: the standard deviations :math:`\sigma_i = \sqrt{C_{ii}}`,
      then the strict upper triangle of :math:`R_{ij} = C_{ij} / (\sigma_i \sigma_j)`
      (0 where a band is constant), :math:`d(d+1)/2` values;
    - ``"log_eigenvalues"``: :math:`\log \max(\lambda_k, 10^{-10})` of
      :math:`C`'s eigenvalues in decreasing order, :math:`d` values.

    Which bands rise and fall together over the clip, beyond each band's
    mean: the texture a mean spectrum misses. :math:`\mu` and :math:`C` are
    accumulated a block of frames at a time and merged by Chan et al.'s
    update [2]_ (:class:`musicfeat.summaries.MeanCovariance`), so
    ``engine='stream'`` gives the whole clip's values bit for bit, with
    :math:`O(d^2)` memory whatever the clip's length. Silence gives a mean
    of -100 dB and a zero covariance; a one-frame clip a zero covariance.

    Not in a feature set: on the development corpus it did not improve on
    the 419 or on ``extended`` (``benchmarks/README.md``, results of
    2026-12-06). Add it with ``MusicFeatures(groups=[("speccov",
    SpectralCovariance())])``.

    Feature names, in column order (``d = n_mels``, ``0 <= i <= j < d``):
    ``speccov_mel{i}_mean``, then ``speccov_mel{i}_mel{j}_cov``; with
    ``kind="correlation"`` ``speccov_mel{i}_std`` and
    ``speccov_mel{i}_mel{j}_corr`` (``i < j``); with
    ``kind="log_eigenvalues"`` ``speccov_logeig{k}``. Columns:
    ``d + d (d + 1) / 2`` (560 at the default 32 bands), or ``2 d``.

    Parameters
    ----------
    n_mels : int, default=32
        Mel bands, 1 to 256 (``n_fft`` must give each an STFT bin).
    kind : {"covariance", "correlation", "log_eigenvalues"}, default="covariance"
        The form of the second-order part.
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration, engine
        As in :class:`HPSSFeatures`.

    See Also
    --------
    GaussianTimbre : the same summary of MFCC frames.
    musicfeat.summaries.covariance_summary : the maths of the row.

    References
    ----------
    .. [1] J. Bergstra, M. Mandel and D. Eck, "Scalable genre and tag
       prediction with spectral covariance", ISMIR 2010.
    .. [2] T. F. Chan, G. H. Golub and R. J. LeVeque, "Updating formulae and
       a pairwise algorithm for computing sample variances", Stanford CS
       report STAN-CS-79-773, 1979.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import SpectralCovariance
    >>> noise = (0.1 * np.random.default_rng(0).standard_normal(22050)).astype(np.float32)
    >>> group = SpectralCovariance()
    >>> group.fit_transform([noise]).shape
    (1, 560)
    >>> [str(n) for n in group.get_feature_names_out()[[0, 32, 33]]]
    ['speccov_mel0_mean', 'speccov_mel0_mel0_cov', 'speccov_mel0_mel1_cov']
    >>> SpectralCovariance(n_mels=8, kind="log_eigenvalues").fit_transform([noise]).shape
    (1, 16)
    """

    def __init__(
        self,
        *,
        n_mels=32,
        kind="covariance",
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
        self.n_mels = n_mels
        self.kind = kind

    def _check_group_params(self, owner=None):
        owner = self if owner is None else owner
        return {
            "n_mels": check_n_mels(owner, self.n_mels),
            "kind": v.check_options(owner, "kind", self.kind, KINDS),
        }

    def feature_names(self):
        p = self._check_group_params()
        return covariance_names("speccov", [f"mel{i}" for i in range(p["n_mels"])], p["kind"])

    def feature_descriptions(self):
        p = self._check_group_params()
        n = p["n_mels"]
        return covariance_descriptions(
            lambda band: f"log power (dB, no floor) of S in mel band {band[3:]} of {n}",
            [f"mel{i}" for i in range(n)],
            p["kind"],
        )

    def accumulator(self, config):
        p = self._check_group_params()
        n_mels, kind = p["n_mels"], p["kind"]
        return SecondOrderAccumulator(
            lambda block: log_mel_frames(block, n_mels),
            n_mels,
            lambda acc: covariance_summary(acc, kind=kind),
        )
