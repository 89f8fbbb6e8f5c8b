"""Summary statistics with the package's no-NaN policy.

Every statistic is computed in float64 over the last axis: mean, population
standard deviation, skewness (biased, as ``scipy.stats.skew(bias=True)``) and
excess kurtosis (Fisher, biased). A series is *degenerate* when it has fewer
than two values or its variance is at or below ``(eps * mean)**2`` (``eps``
of float64), the test under which scipy answers NaN for precision loss, or
so small that its square underflows to 0 (below about 1e-154, where scipy
answers NaN or infinity); a degenerate series has skew and kurtosis 0, so no
feature is ever NaN.

A leaf room below the groups: it imports nothing else of the package.
"""

import numpy as np

__all__ = ["moments", "moments_by_row", "MOMENT_NAMES", "MOMENT_DESCRIPTIONS"]

#: The four statistics, in the order :func:`moments` returns them.
MOMENT_NAMES = ("mean", "std", "skew", "kurtosis")

#: How the feature reference words each statistic taken over a clip's frames.
MOMENT_DESCRIPTIONS = {
    "mean": "mean over frames",
    "std": "standard deviation (population) over frames",
    "skew": "skewness (biased) over frames",
    "kurtosis": "excess kurtosis (Fisher, biased) over frames",
}

_EPS = np.finfo(np.float64).eps


def moments(x, axis=-1):
    """Mean, std, skew and excess kurtosis along an axis, never NaN.

    .. math::

        \\mu = \\bar{x},\\quad \\sigma = \\sqrt{m_2},\\quad
        \\gamma_1 = \\frac{m_3}{m_2^{3/2}},\\quad
        \\gamma_2 = \\frac{m_4}{m_2^{2}} - 3,\\qquad
        m_k = \\frac{1}{N}\\sum_{n} (x_n - \\mu)^k

    Parameters
    ----------
    x : np.ndarray [shape=(..., N)]
        Finite values with ``N >= 1``.
    axis : int
        Axis to reduce.

    Returns
    -------
    np.ndarray [shape=(..., 4)]
        ``mean, std, skew, kurtosis`` stacked on the last axis, float64.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.stats import moments
    >>> moments(np.array([0.0, 0.0, 3.0]))
    array([ 1.        ,  1.41421356,  0.70710678, -1.5       ])
    >>> moments(np.array([5.0, 5.0]))  # constant: skew and kurtosis are 0
    array([5., 0., 0., 0.])
    """
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1)
    n = x.shape[-1]
    if n == 0:
        raise ValueError("moments needs at least one value along the axis.")
    mean = x.mean(axis=-1)
    d = x - mean[..., None]
    d2 = d * d
    m2 = d2.mean(axis=-1)
    m3 = (d2 * d).mean(axis=-1)
    m4 = (d2 * d2).mean(axis=-1)
    degenerate = (m2 <= (_EPS * mean) ** 2) | (m2 * m2 == 0) | (n < 2)
    safe_m2 = np.where(degenerate, 1.0, m2)
    skew = np.where(degenerate, 0.0, m3 / safe_m2**1.5)
    kurt = np.where(degenerate, 0.0, m4 / safe_m2**2 - 3.0)
    return np.stack([mean, np.sqrt(m2), skew, kurt], axis=-1)


def moments_by_row(X):
    """:func:`moments` of each row of a 2-D array, one row at a time.

    The same values as ``moments(X)`` (each row is reduced along its own
    contiguous axis either way), with float64 temporaries one row long
    instead of five times the array: what keeps the finish of an hour-long
    clip's band or chroma series small.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.stats import moments, moments_by_row
    >>> X = np.arange(12.0).reshape(3, 4) ** 2
    >>> bool(np.array_equal(moments_by_row(X), moments(X)))
    True
    """
    return np.stack([moments(row) for row in X]) if len(X) else np.zeros((0, 4))
