"""Running median along one axis, with ``scipy.ndimage.median_filter`` semantics.

HPSS (Fitzgerald 2010) spends nearly all its time in two median filters over
the magnitude spectrogram: one along time (harmonic), one along frequency
(percussive). scipy's generic n-d rank filter re-sorts every window; here each
line keeps its window sorted and moves one value out and one value in per
step, which costs O(k) memory moves in the worst case and far fewer on real
spectra.
"""

import numpy as np
from numba import njit

from ._config import JIT_OPTIONS


@njit(**JIT_OPTIONS)
def _reflect_index(i, n):
    # scipy.ndimage mode='reflect' ("d c b a | a b c d | d c b a"): the
    # extension repeats with period 2n, so any offset maps back into [0, n).
    if 0 <= i < n:
        return i
    period = 2 * n
    j = i % period
    if j < 0:
        j += period
    if j >= n:
        j = period - 1 - j
    return j


@njit(**JIT_OPTIONS)
def _median_rows(x, size, out):
    """Fill ``out[r]`` with the running rank-``size // 2`` value of ``x[r]``.

    The window of output ``i`` is ``x[i - size // 2 : i - size // 2 + size]``
    (scipy's origin 0), extended by reflection at both ends.
    """
    n_rows, n = x.shape
    half = size // 2
    rank = size // 2
    window = np.empty(size, dtype=x.dtype)
    for r in range(n_rows):
        row = x[r]
        for j in range(size):
            window[j] = row[_reflect_index(j - half, n)]
        window.sort()
        out[r, 0] = window[rank]
        for i in range(1, n):
            outgoing = row[_reflect_index(i - 1 - half, n)]
            incoming = row[_reflect_index(i - 1 - half + size, n)]
            # Locate one copy of the outgoing value (binary search, lower bound);
            # ties are interchangeable, so any equal element will do.
            lo = 0
            hi = size
            while lo < hi:
                mid = (lo + hi) // 2
                if window[mid] < outgoing:
                    lo = mid + 1
                else:
                    hi = mid
            j = lo
            # Overwrite it by sliding the incoming value into sorted position.
            if incoming > outgoing:
                while j + 1 < size and window[j + 1] < incoming:
                    window[j] = window[j + 1]
                    j += 1
            else:
                while j > 0 and window[j - 1] > incoming:
                    window[j] = window[j - 1]
                    j -= 1
            window[j] = incoming
            out[r, i] = window[rank]


def median_filter_axis(x, size, axis=-1):
    """Median-filter a 2-D array along one axis, as scipy does.

    Equal, element for element, to
    ``scipy.ndimage.median_filter(x, size=s, mode='reflect')`` where ``s`` is
    ``size`` on ``axis`` and 1 on the other axis. For an even ``size`` the
    result is scipy's: the upper of the two middle values, with the window
    starting ``size // 2`` samples before the output position.

    Parameters
    ----------
    x : np.ndarray [shape=(m, n)], float32 or float64
        Input without NaN (a median of NaN has no order; infinities are fine).
    size : int >= 1
        Window length along ``axis``. Lengths beyond the axis are allowed: the
        reflected extension repeats, as in scipy.
    axis : {0, 1, -1, -2}
        Axis along which to filter.

    Returns
    -------
    np.ndarray [shape=(m, n)]
        The filtered array, same dtype as ``x``. Lines along ``axis`` are
        contiguous in memory (the result of ``axis=0`` is a transposed view).

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.kernels import median_filter_axis
    >>> x = np.array([[1.0, 9.0, 2.0, 8.0, 3.0]])
    >>> median_filter_axis(x, 3, axis=1)
    array([[1., 2., 8., 3., 3.]])
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"median_filter_axis expects a 2-D array; got shape {x.shape}.")
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    size = int(size)
    if size < 1:
        raise ValueError(f"size must be a positive integer; got {size}.")
    if axis not in (0, 1, -1, -2):
        raise ValueError(f"axis must be 0 or 1 for a 2-D array; got {axis}.")
    if np.isnan(x).any():
        raise ValueError("median_filter_axis input contains NaN; medians of NaN are undefined.")
    along_last = axis in (1, -1)
    lines = np.ascontiguousarray(x if along_last else x.T)
    out = np.empty_like(lines)
    if lines.size:
        _median_rows(lines, size, out)
    return out if along_last else out.T
