"""Second-order and block-level summaries of frame sequences, as streaming accumulators.

Plain-array maths (numpy only) for the candidate representations of issue
20. Frames are columns: a block of frames is an array ``(n_features,
n_frames)``, as musicfeat's spectra are. Every accumulator takes a clip's
frames a block at a time, in order (``add``), and gives the clip's summary
at the end (``finish`` or the summary functions); feeding the frames whole
or in any cut gives the same summary.

:class:`MeanCovariance`
    Running mean and covariance, also mergeable between two accumulators of
    any two sets of frames (Chan, Golub and LeVeque's parallel update), in
    float64. It carries two representations:

    - *spectral covariance* (Bergstra, Mandel and Eck 2010): the mean and
      the covariance of log-mel frames, summarised by
      :func:`covariance_summary` (the upper triangle of the covariance, of
      the correlation matrix, or the log-eigenvalues);
    - the *single-Gaussian timbre model* (Mandel and Ellis 2005): the mean
      and full covariance of MFCC frames, the same summary of other frames
      (:func:`gaussian_kl` is the distance its authors compare clips by).

:class:`BlockPatterns`
    Block-level features (Seyerlehner, Widmer and Pohle 2010): the frames are
    cut into blocks of ``block`` frames every ``hop`` frames, each block gives
    a pattern (:func:`spectral_pattern`, :func:`delta_spectral_pattern`,
    :func:`fluctuation_pattern`, :func:`correlation_pattern`,
    :func:`contrast_pattern`), and the patterns are summarised over the
    blocks, element by element, by a percentile (or the variance: the
    *variance delta spectral pattern*). :data:`SEYERLEHNER_2010` holds the
    six patterns with their block sizes, hops and summaries.

References
----------
.. [1] T. F. Chan, G. H. Golub and R. J. LeVeque, "Updating formulae and a
   pairwise algorithm for computing sample variances", Stanford CS report
   STAN-CS-79-773, 1979.
.. [2] J. Bergstra, M. Mandel and D. Eck, "Scalable genre and tag prediction
   with spectral covariance", ISMIR 2010.
.. [3] M. Mandel and D. Ellis, "Song-level features and support vector
   machines for music classification", ISMIR 2005.
.. [4] K. Seyerlehner, G. Widmer and T. Pohle, "Fusing block-level features
   for music similarity estimation", DAFx 2010; K. Seyerlehner, M. Schedl,
   T. Pohle and P. Knees, "Using block-level features for genre
   classification, tag classification and music similarity estimation",
   MIREX 2010.
"""

import numpy as np

__all__ = [
    "MeanCovariance",
    "covariance_summary",
    "gaussian_kl",
    "BlockPatterns",
    "spectral_pattern",
    "delta_spectral_pattern",
    "fluctuation_pattern",
    "correlation_pattern",
    "contrast_pattern",
    "SEYERLEHNER_2010",
]


# ----------------------------------------------------------------------
# second order: mean and covariance


class MeanCovariance:
    r"""Running mean and covariance of frames, mergeable across blocks (float64).

    With :math:`n` frames :math:`x_t` seen, it holds :math:`n`, the mean
    :math:`\mu` and the scatter :math:`M = \sum_t (x_t - \mu)(x_t - \mu)^T`.
    A block is reduced exactly (two passes over the block), then joined by the
    parallel update of Chan et al. [1]: for parts :math:`a, b` with
    :math:`\delta = \mu_b - \mu_a` and :math:`n = n_a + n_b`,

    .. math:: \mu = \mu_a + \delta\,n_b / n, \qquad
              M = M_a + M_b + \delta\delta^T n_a n_b / n,

    which loses none of the precision that the one-pass sums
    :math:`\sum x, \sum x x^T` lose when the mean is large against the spread
    (log-mel frames in dB). The covariance is :math:`M / (n - \mathrm{ddof})`.

    Parameters
    ----------
    n_features : int
        Rows of every block.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(3, 100))
    >>> acc = MeanCovariance(3).add(X[:, :30]).add(X[:, 30:])
    >>> bool(np.allclose(acc.covariance(ddof=1), np.cov(X)))
    True
    >>> left, right = MeanCovariance(3).add(X[:, :50]), MeanCovariance(3).add(X[:, 50:])
    >>> bool(np.allclose(left.merge(right).mean, X.mean(axis=1)))
    True
    """

    def __init__(self, n_features):
        self.n_features = int(n_features)
        self.n = 0
        self.mean = np.zeros(self.n_features)
        self.scatter = np.zeros((self.n_features, self.n_features))

    def add(self, frames):
        """Take a block of frames ``(n_features, n_frames)``; returns ``self``."""
        X = np.asarray(frames, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] != self.n_features:
            raise ValueError(f"MeanCovariance: a block must be ({self.n_features}, n_frames), got {X.shape}")
        if X.shape[1] == 0:
            return self
        mean = X.mean(axis=1)
        centred = X - mean[:, None]
        return self._join(X.shape[1], mean, centred @ centred.T)

    def merge(self, other):
        """Join another accumulator's frames into this one (in place); returns ``self``."""
        if other.n_features != self.n_features:
            raise ValueError(
                f"MeanCovariance: cannot merge {other.n_features} features into {self.n_features}"
            )
        if other.n == 0:
            return self
        return self._join(other.n, other.mean, other.scatter)

    def _join(self, n_b, mean_b, scatter_b):
        n_a, n = self.n, self.n + n_b
        delta = mean_b - self.mean
        self.mean = self.mean + delta * (n_b / n)
        self.scatter = self.scatter + scatter_b + np.outer(delta, delta) * (n_a * n_b / n)
        self.n = n
        return self

    def covariance(self, ddof=0):
        """The covariance matrix, ``scatter / (n - ddof)`` (zeros before ``ddof + 1`` frames)."""
        if self.n <= ddof:
            return np.zeros_like(self.scatter)
        return self.scatter / (self.n - ddof)


def covariance_summary(acc, kind="covariance", floor=1e-10):
    r"""A clip's vector from a :class:`MeanCovariance`: the mean, then one of three forms.

    - ``"covariance"``: the upper triangle (diagonal included, row by row)
      of :math:`C`, :math:`d(d+1)/2` values; the form of [2] and [3].
    - ``"correlation"``: the standard deviations, then the strict upper
      triangle of :math:`R_{ij} = C_{ij} / (\sigma_i \sigma_j)` (0 where a
      row is constant), :math:`d(d+1)/2` values: scale apart from shape.
    - ``"log_eigenvalues"``: :math:`\log \max(\lambda_k, \text{floor})` of
      :math:`C`'s eigenvalues in decreasing order, :math:`d` values (a
      rotation-invariant description of the spread).

    Parameters
    ----------
    acc : MeanCovariance
    kind : {"covariance", "correlation", "log_eigenvalues"}
    floor : float
        Smallest eigenvalue before the logarithm.

    Returns
    -------
    np.ndarray [shape=(d + d * (d + 1) / 2,) or (2 d,)], float64

    Examples
    --------
    >>> import numpy as np
    >>> acc = MeanCovariance(2).add(np.array([[0.0, 2.0], [1.0, 1.0]]))
    >>> covariance_summary(acc).tolist()
    [1.0, 1.0, 1.0, 0.0, 0.0]
    """
    C = acc.covariance()
    d = acc.n_features
    if kind == "covariance":
        second = C[np.triu_indices(d)]
    elif kind == "correlation":
        std = np.sqrt(np.clip(np.diag(C), 0.0, None))
        scale = np.outer(std, std)
        R = np.divide(C, scale, out=np.zeros_like(C), where=scale > 0)
        second = np.concatenate([std, R[np.triu_indices(d, k=1)]])
    elif kind == "log_eigenvalues":
        second = np.log(np.maximum(np.linalg.eigvalsh(C)[::-1], floor))
    else:
        raise ValueError(
            f"covariance_summary: kind must be covariance, correlation or log_eigenvalues, not {kind!r}"
        )
    return np.concatenate([acc.mean, second])


def gaussian_kl(mean_a, cov_a, mean_b, cov_b):
    r"""Symmetrised Kullback-Leibler divergence of two Gaussians, the distance of [3].

    .. math:: 2\,KL_s = \operatorname{tr}(\Sigma_a^{-1}\Sigma_b + \Sigma_b^{-1}\Sigma_a)
              + (\mu_a - \mu_b)^T (\Sigma_a^{-1} + \Sigma_b^{-1}) (\mu_a - \mu_b) - 2 d

    Returns :math:`KL(a\|b) + KL(b\|a)`, the value above halved. Both
    covariances must be positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> float(gaussian_kl(np.zeros(2), np.eye(2), np.ones(2), np.eye(2)))
    2.0
    """
    inv_a, inv_b = np.linalg.inv(cov_a), np.linalg.inv(cov_b)
    delta = np.asarray(mean_a, dtype=np.float64) - mean_b
    d = len(delta)
    return 0.5 * (np.trace(inv_a @ cov_b + inv_b @ cov_a) + delta @ (inv_a + inv_b) @ delta - 2 * d)


# ----------------------------------------------------------------------
# block level: patterns of blocks of frames


def spectral_pattern(block):
    """Spectral pattern (SP) of a block ``(bands, L)``: each band's values sorted over time.

    Sorting keeps the spread of each band in the block and forgets when in
    the block it happened: timbre apart from its timing [4]. Shape ``(bands, L)``.
    """
    return np.sort(block, axis=1)


def delta_spectral_pattern(block, lag=3):
    r"""Delta spectral pattern (DSP) of a block ``(bands, L)``: sorted onsets, ``(bands, L - lag)``.

    :math:`D_{b,t} = \max(X_{b,t+\text{lag}} - X_{b,t}, 0)` within the block
    (rises of the log spectrum ``lag`` frames apart: onsets [4]), each band
    sorted over time.
    """
    return np.sort(np.maximum(block[:, lag:] - block[:, :-lag], 0.0), axis=1)


def fluctuation_pattern(block, frame_rate, n_bins=20, fmin=0.5, fmax=10.0):
    r"""Logarithmic fluctuation pattern (LFP) of a block ``(bands, L)``, ``(bands, n_bins)``.

    Each band's modulation spectrum :math:`|\mathrm{DFT}_t(X_b)|` over the
    block (its mean removed, a Hann window), averaged in ``n_bins`` bands of
    modulation frequency geometrically spaced from ``fmin`` to ``fmax`` Hz
    (the logarithmic frequency axis of [4]; every bin is at least one DFT
    bin wide), then :math:`\log(1 + \cdot)`: how strongly each frequency band
    pulses at each rate, tempo-like periodicities without beat tracking.
    ``frame_rate`` is frames per second.
    """
    L = block.shape[1]
    window = np.hanning(L)
    spectrum = np.abs(np.fft.rfft((block - block.mean(axis=1, keepdims=True)) * window, axis=1))
    edges = _modulation_edges(L, frame_rate, n_bins, fmin, fmax)
    out = np.stack(
        [spectrum[:, lo:hi].mean(axis=1) for lo, hi in zip(edges[:-1], edges[1:], strict=True)], axis=1
    )
    return np.log1p(out)


def _modulation_edges(L, frame_rate, n_bins, fmin, fmax):
    """DFT bin edges of the modulation bands: geometric in Hz, each at least one bin, within the spectrum."""
    hz = np.geomspace(fmin, fmax, n_bins + 1)
    edges = np.round(hz * L / frame_rate).astype(int)
    edges = np.clip(edges, 1, L // 2)
    for i in range(1, len(edges)):
        edges[i] = max(edges[i], edges[i - 1] + 1)
    return edges


def correlation_pattern(block):
    r"""Correlation pattern (CP) of a block ``(bands, L)``: the strict upper triangle of its band correlations.

    Pearson's :math:`r` between every pair of bands over the block's frames
    (0 for a band constant in the block), :math:`\text{bands}(\text{bands}-1)/2`
    values: which bands move together [4].
    """
    centred = block - block.mean(axis=1, keepdims=True)
    norm = np.sqrt((centred**2).sum(axis=1))
    C = centred @ centred.T
    scale = np.outer(norm, norm)
    R = np.divide(C, scale, out=np.zeros_like(C), where=scale > 0)
    return R[np.triu_indices(block.shape[0], k=1)]


def contrast_pattern(block, n_subbands=None, alpha=0.2):
    r"""Spectral contrast pattern (SCP) of a block ``(bands, L)``: sorted contrasts, ``(n_subbands, L)``.

    Bands are cut into ``n_subbands`` contiguous sub-bands (``np.array_split``;
    each band its own sub-band when None). In each frame, a sub-band's contrast
    is the mean of its largest values minus the mean of its smallest, a
    fraction ``alpha`` of its bands each (at least one): peak against valley of
    a log spectrum (Jiang et al. 2002, as used in [4]). Each sub-band's
    contrasts are then sorted over the block's frames.
    """
    parts = np.array_split(block, n_subbands or block.shape[0], axis=0)
    rows = []
    for part in parts:
        s = np.sort(part, axis=0)
        k = max(1, int(round(alpha * part.shape[0])))
        rows.append(s[-k:].mean(axis=0) - s[:k].mean(axis=0))
    return np.sort(np.stack(rows), axis=1)


class BlockPatterns:
    r"""Patterns of blocks of frames, summarised over the blocks; frames taken a block at a time.

    Blocks start every ``hop`` frames and hold ``block`` frames; block
    :math:`j` is frames :math:`[j h, j h + L)` for every :math:`j` with
    :math:`j h + L \le T`. Each gives ``pattern(frames)`` (flattened), and
    :meth:`finish` returns, element by element over the blocks, the
    ``q``-th percentile (linear interpolation, as ``np.percentile``) or, with
    ``summary="variance"``, the population variance. A clip shorter than one
    block is repeated cyclically along time to one block, so
    every clip of at least one frame has a pattern.

    Streaming: :meth:`add` keeps only the frames a later block still needs
    (fewer than ``block``) and one pattern per finished block, so memory grows
    with the clip by one pattern per ``hop`` frames, not by its frames. A
    percentile is not mergeable from partial summaries; the patterns are the
    state.

    Parameters
    ----------
    pattern : callable
        ``(bands, block)`` float64 array to an array of fixed shape.
    block, hop : int
        Frames per block and between block starts.
    summary : {"percentile", "variance"}
    q : float
        The percentile, 0-100.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(24.0).reshape(2, 12)
    >>> acc = BlockPatterns(spectral_pattern, block=4, hop=4, q=50).add(X[:, :5]).add(X[:, 5:])
    >>> acc.finish().tolist()
    [4.0, 5.0, 6.0, 7.0, 16.0, 17.0, 18.0, 19.0]
    """

    def __init__(self, pattern, block, hop, summary="percentile", q=50.0):
        if block < 1 or hop < 1:
            raise ValueError(f"BlockPatterns: block and hop must be >= 1, got {block} and {hop}")
        if summary not in ("percentile", "variance"):
            raise ValueError(f"BlockPatterns: summary must be 'percentile' or 'variance', not {summary!r}")
        self.pattern, self.block, self.hop, self.summary, self.q = pattern, int(block), int(hop), summary, q
        self._pending = None  # frames from the next block's start on
        self._skip = 0  # frames still to drop before the next block starts (hop > block)
        self._patterns = []

    def add(self, frames):
        """Take the next frames ``(bands, n_frames)`` of the clip; returns ``self``."""
        X = np.asarray(frames, dtype=np.float64)
        if self._pending is None:
            self._pending = X[:, :0]
            self._first = X[:, : self.block].copy()  # for a clip shorter than a block
        elif self._first.shape[1] < self.block:
            self._first = np.concatenate([self._first, X[:, : self.block - self._first.shape[1]]], axis=1)
        drop = min(self._skip, X.shape[1])
        self._skip -= drop
        buf = np.concatenate([self._pending, X[:, drop:]], axis=1)
        start = 0
        while buf.shape[1] - start >= self.block:
            self._patterns.append(np.ravel(self.pattern(buf[:, start : start + self.block])))
            start += self.hop
        if start > buf.shape[1]:
            self._skip += start - buf.shape[1]
            start = buf.shape[1]
        self._pending = buf[:, start:].copy()
        return self

    def finish(self):
        """The summary over the blocks, a flat float64 vector."""
        if self._pending is None:
            raise ValueError("BlockPatterns: no frames were added")
        P = self._patterns
        if not P:
            if self._first.shape[1] == 0:
                raise ValueError("BlockPatterns: no frames were added")
            cyclic = np.arange(self.block) % self._first.shape[1]
            P = [np.ravel(self.pattern(self._first[:, cyclic]))]
        P = np.asarray(P)
        if self.summary == "variance":
            return P.var(axis=0)
        return np.percentile(P, self.q, axis=0)


#: The six block-level features of [4] as ``(name, pattern, block, hop, summary, q)``; the
#: LFP pattern needs ``frame_rate`` bound (``functools.partial``). Blocks and hops are in frames
#: of about 23 ms (hop 512 at 22,050 Hz), as in the paper.
SEYERLEHNER_2010 = (
    ("sp", spectral_pattern, 10, 5, "percentile", 90.0),
    ("dsp", delta_spectral_pattern, 13, 5, "percentile", 90.0),
    ("vdsp", delta_spectral_pattern, 13, 5, "variance", None),
    ("lfp", fluctuation_pattern, 512, 128, "percentile", 60.0),
    ("cp", correlation_pattern, 256, 128, "percentile", 50.0),
    ("scp", contrast_pattern, 40, 20, "percentile", 10.0),
)
