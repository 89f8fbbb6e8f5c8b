"""Running median along one axis, with ``scipy.ndimage.median_filter`` semantics.

HPSS (Fitzgerald 2010) spends nearly all its time in two median filters over
the magnitude spectrogram: one along time (harmonic), one along frequency
(percussive). scipy's generic n-d rank filter re-sorts every window.

Here many lines are filtered at once, one line per SIMD lane. Each line
keeps its window in a ring buffer with the rank of every element (a
permutation of ``0 .. size-1``, ties broken by age). One step removes the
oldest element (ranks above its rank drop by one), counts the elements not
above the incoming value (that count is its rank; ranks at or above it rise
by one), and reads the median as the element whose rank is ``size // 2``.
Every operation is a compare and an add over contiguous lanes, with no
data-dependent branch, so LLVM vectorises it: O(size) work per output, but
at several outputs per instruction.
"""

import numpy as np
from numba import int32, njit

from ._config import JIT_OPTIONS

#: Lines (columns) filtered together: the ring buffers of a block stay in cache.
_BLOCK = 512


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
def _remove_oldest_and_count(ranks_j, vals_j, rank_out, incoming, count, width):
    # One window element across all lanes: drop ranks above the leaving
    # element's, and count window values <= the incoming value.
    for col in range(width):
        rank = ranks_j[col]
        ranks_j[col] = rank - int32(rank > rank_out[col])
        count[col] += int32(vals_j[col] <= incoming[col])


@njit(**JIT_OPTIONS)
def _insert_and_select(ranks_j, vals_j, count, median, target, width):
    # Make room for the incoming rank and pick the element of rank `target`.
    for col in range(width):
        rank = ranks_j[col] + int32(ranks_j[col] >= count[col])
        ranks_j[col] = rank
        median[col] = vals_j[col] if rank == target else median[col]


@njit(**JIT_OPTIONS)
def _median_axis0(x, size, out):
    """``out[i, c]`` = rank-``size // 2`` value of ``x[i - size//2 : ..., c]`` (reflected)."""
    n, m = x.shape
    half = size // 2
    target = int32(size // 2)
    vals = np.empty((size, _BLOCK), dtype=x.dtype)
    ranks = np.empty((size, _BLOCK), dtype=np.int32)
    count = np.empty(_BLOCK, dtype=np.int32)
    rank_out = np.empty(_BLOCK, dtype=np.int32)
    median = np.empty(_BLOCK, dtype=x.dtype)
    incoming = np.empty(_BLOCK, dtype=x.dtype)
    for c0 in range(0, m, _BLOCK):
        width = min(_BLOCK, m - c0)
        # First window and its ranks (ties: the earlier element ranks lower).
        for j in range(size):
            src = x[_reflect_index(j - half, n)]
            for col in range(width):
                vals[j, col] = src[c0 + col]
        for j in range(size):
            for col in range(width):
                ranks[j, col] = 0
            for k in range(size):
                earlier = k < j
                for col in range(width):
                    v = vals[k, col]
                    u = vals[j, col]
                    ranks[j, col] += int32(v < u or (v == u and earlier))
        for j in range(size):
            for col in range(width):
                if ranks[j, col] == target:
                    out[0, c0 + col] = vals[j, col]
        slot = 0  # ring position of the oldest element
        for i in range(1, n):
            q = i - 1 - half + size
            src = x[q] if q < n else x[_reflect_index(q, n)]
            for col in range(width):
                incoming[col] = src[c0 + col]
                rank_out[col] = ranks[slot, col]
                vals[slot, col] = np.nan  # NaN is never <= anything: not counted
                count[col] = 0
            for j in range(size):
                _remove_oldest_and_count(ranks[j], vals[j], rank_out, incoming, count, width)
            for col in range(width):
                ranks[slot, col] = -1  # never matches the target below
                median[col] = incoming[col]  # kept where the incoming value is the median
            for j in range(size):
                _insert_and_select(ranks[j], vals[j], count, median, target, width)
            dst = out[i]
            for col in range(width):
                vals[slot, col] = incoming[col]
                ranks[slot, col] = count[col]
                dst[c0 + col] = median[col]
            slot += 1
            if slot == size:
                slot = 0


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
        reflected extension repeats (where scipy, from 8 times the axis
        length on, reads memory outside its buffer).
    axis : {0, 1, -1, -2}
        Axis along which to filter.

    Returns
    -------
    np.ndarray [shape=(m, n)]
        The filtered array, same dtype as ``x``, in the memory layout that
        makes the other axis contiguous (no copy when ``x`` already has it:
        a Fortran-ordered spectrogram filtered along time, a C-ordered one
        along frequency).

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
    along_rows = axis in (0, -2)
    lines = np.ascontiguousarray(x if along_rows else x.T)  # filtered axis first, lanes contiguous
    out = np.empty_like(lines)
    if lines.size:
        _median_axis0(lines, size, out)
    return out if along_rows else out.T
