"""Moments (std, skew, excess kurtosis) over every window of a series, in O(N).

Running power sums (sum x, x^2, x^3, x^4) are O(N) but cancel
catastrophically when a window's mean is large against its spread; removing
points from Welford-style accumulators drifts. Neither is used here.

Instead the series is cut into blocks of W samples. A window starting at
``s`` is the suffix of its block from ``s`` plus a prefix of the next block,
so with the central-moment aggregate of every block suffix and every block
prefix (built by adding one point at a time, Pébay 2008) each window is one
pairwise merge (Chan et al. 1979). Every step only adds: no subtraction of
large sums, no removal, and the cost is a constant per sample. The series is
first shifted by its median, so a large common offset costs no digits.

References
----------
.. [1] P. Pébay, "Formulas for robust, one-pass parallel computation of
   covariances and arbitrary-order statistical moments", Sandia report
   SAND2008-6212, 2008.
.. [2] T. F. Chan, G. H. Golub and R. J. LeVeque, "Updating formulae and a
   pairwise algorithm for computing sample variances", Stanford CS report
   STAN-CS-79-773, 1979.

In the kernels room: numba only, importing nothing else of the package.
"""

import numpy as np

from ._config import kernel

_EPS = np.finfo(np.float64).eps


@kernel
def _merge(na, ma, m2a, m3a, m4a, nb, mb, m2b, m3b, m4b):
    """Central-moment aggregate of the union of two disjoint samples."""
    if na == 0.0:
        return nb, mb, m2b, m3b, m4b
    if nb == 0.0:
        return na, ma, m2a, m3a, m4a
    n = na + nb
    delta = mb - ma
    delta_n = delta / n
    mean = ma + delta_n * nb
    m2 = m2a + m2b + delta * delta_n * na * nb
    m3 = m3a + m3b + delta_n * delta_n * delta * na * nb * (na - nb) + 3.0 * delta_n * (na * m2b - nb * m2a)
    m4 = (
        m4a
        + m4b
        + delta_n**3 * delta * na * nb * (na * na - na * nb + nb * nb)
        + 6.0 * delta_n * delta_n * (na * na * m2b + nb * nb * m2a)
        + 4.0 * delta_n * (na * m3b - nb * m3a)
    )
    return n, mean, m2, m3, m4


@kernel
def _standardised(n, mean, m2, m3, m4, eps):
    """(std, skew, kurtosis) with the package's degenerate-series rule."""
    var = m2 / n
    std = np.sqrt(var) if var > 0.0 else 0.0
    # scipy.stats answers NaN when var <= (eps * mean)**2 (precision loss);
    # musicfeat answers 0 for skew and kurtosis there and for n < 2.
    # A variance whose square underflows (below ~1e-154) has no representable
    # kurtosis either: also degenerate.
    if n < 2.0 or var <= (eps * mean) ** 2 or var * var == 0.0:
        return std, 0.0, 0.0
    return std, (m3 / n) / var**1.5, (m4 / n) / (var * var) - 3.0


@kernel
def _rolling_moments(x, width, offset, std, skew, kurt):
    n_total = x.shape[0]
    n_windows = n_total - width + 1
    # Aggregates of x[i : end of i's block] (suffix) and x[start of i's block : i + 1]
    # (prefix); five parallel arrays each: count, mean, M2, M3, M4.
    suf = np.empty((5, n_total))
    pre = np.empty((5, n_total))
    for start in range(0, n_total, width):
        stop = min(start + width, n_total)
        agg = (0.0, 0.0, 0.0, 0.0, 0.0)
        for i in range(stop - 1, start - 1, -1):
            agg = _merge(agg[0], agg[1], agg[2], agg[3], agg[4], 1.0, x[i], 0.0, 0.0, 0.0)
            for k in range(5):
                suf[k, i] = agg[k]
        agg = (0.0, 0.0, 0.0, 0.0, 0.0)
        for i in range(start, stop):
            agg = _merge(agg[0], agg[1], agg[2], agg[3], agg[4], 1.0, x[i], 0.0, 0.0, 0.0)
            for k in range(5):
                pre[k, i] = agg[k]
    for s in range(n_windows):
        if s % width == 0:
            agg = (suf[0, s], suf[1, s], suf[2, s], suf[3, s], suf[4, s])
        else:
            e = s + width - 1
            agg = _merge(
                suf[0, s],
                suf[1, s],
                suf[2, s],
                suf[3, s],
                suf[4, s],
                pre[0, e],
                pre[1, e],
                pre[2, e],
                pre[3, e],
                pre[4, e],
            )
        std[s], skew[s], kurt[s] = _standardised(agg[0], agg[1] + offset, agg[2], agg[3], agg[4], _EPS)


def rolling_moments(x, width):
    """Population std, skew and excess kurtosis of every window of a series.

    For each window ``x[s : s + width]``, ``s = 0 .. N - width``:

    .. math::

        \\sigma = \\sqrt{m_2},\\quad
        \\gamma_1 = m_3 / m_2^{3/2},\\quad
        \\gamma_2 = m_4 / m_2^2 - 3,\\qquad
        m_k = \\frac{1}{W}\\sum_{j} (x_j - \\bar{x})^k

    as ``np.std`` and ``scipy.stats.skew``/``kurtosis`` with ``bias=True``,
    except that a degenerate window (variance 0, or at most
    ``(eps * |mean|)**2`` where scipy would answer NaN) has skew and
    kurtosis 0; so does one whose squared variance underflows to 0. When
    ``N < width`` the single window is the whole series.

    Parameters
    ----------
    x : np.ndarray [shape=(N,)]
        Finite series; computed in float64.
    width : int >= 1
        Window length W in samples.

    Returns
    -------
    std, skew, kurtosis : np.ndarray [shape=(max(N - W + 1, 1),)]

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.kernels import rolling_moments
    >>> std, skew, kurt = rolling_moments(np.array([0.0, 0.0, 3.0, 0.0]), 3)
    >>> std.round(4), skew.round(4), kurt.round(4)
    (array([1.4142, 1.4142]), array([0.7071, 0.7071]), array([-1.5, -1.5]))
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"rolling_moments expects a 1-D series; got shape {x.shape}.")
    if x.size == 0:
        raise ValueError("rolling_moments needs at least one value.")
    if not np.isfinite(x).all():
        raise ValueError("rolling_moments input must be finite.")
    width = int(width)
    if width < 1:
        raise ValueError(f"width must be a positive integer; got {width}.")
    width = min(width, x.size)
    n_windows = x.size - width + 1
    std = np.empty(n_windows)
    skew = np.empty(n_windows)
    kurt = np.empty(n_windows)
    # Moments do not depend on a shift, but rounding does: work on x - offset
    # (exact where values are close) so a large common offset costs no digits.
    offset = float(np.median(x))
    _rolling_moments(x - offset, width, offset, std, skew, kurt)
    return std, skew, kurt


def windowed_moment_means(x, width):
    """Mean over all windows of (std, skew, kurtosis); see :func:`rolling_moments`.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.kernels import windowed_moment_means
    >>> windowed_moment_means(np.arange(6.0), 6).round(4)
    array([ 1.7078,  0.    , -1.2686])
    """
    std, skew, kurt = rolling_moments(x, width)
    return np.array([std.mean(), skew.mean(), kurt.mean()])
