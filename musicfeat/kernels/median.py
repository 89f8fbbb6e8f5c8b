"""Running median along one axis, with ``scipy.ndimage.median_filter`` semantics.

HPSS (Fitzgerald 2010) spends nearly all its time in two median filters over
the magnitude spectrogram: one along time (harmonic), one along frequency
(percussive). scipy's generic n-d rank filter re-sorts every window.

Here many lines are filtered at once, one line per SIMD lane. Each line keeps
its window in a ring buffer, its current median ``m``, and two counts: how
many window values are below ``m`` and how many are at most ``m``. ``m``
stays the median while ``lt <= size // 2 < le``. One step swaps the oldest
value for the incoming one and updates both counts in O(1). Replacing one
value moves the median by at most one distinct value, so when the
invariant breaks the new median is the nearest window value above ``m`` (or
below it). Two read-only passes over the window find it: the first takes,
per lane, the smallest ``s * v`` above ``s * m`` (``s = -1`` for a lane whose
median moves down: negating is exact, and it makes every lane's search the
same branch-free minimum), the second counts the new median's copies. Every
operation is a compare, a multiply or a select over contiguous lanes, so
LLVM vectorises it; the passes are skipped when no lane's median moved.

In the kernels room: numba only, importing nothing else of the package.
"""

import numpy as np
from numba import int32

from ._config import kernel

#: Lines (columns) filtered together: their ring buffers stay in cache.
_BLOCK = 512


@kernel
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


@kernel
def _nearest_beyond(vals, size, width, sign, floor, best):
    """Per lane, the window value ``v`` with the smallest ``sign * v`` above ``floor``, into ``best``.

    ``best`` arrives as +inf; a lane with nothing above its floor keeps
    ``sign * inf``. Four window rows per sweep of the lanes: each lane's
    running minimum stays in a register for four rows instead of one.
    """
    whole = size - size % 4  # rows taken four at a time
    for j in range(0, whole, 4):
        r0, r1, r2, r3 = vals[j], vals[j + 1], vals[j + 2], vals[j + 3]
        for col in range(width):
            s, f, b = sign[col], floor[col], best[col]
            t = r0[col] * s
            b = t if (t > f and t < b) else b
            t = r1[col] * s
            b = t if (t > f and t < b) else b
            t = r2[col] * s
            b = t if (t > f and t < b) else b
            t = r3[col] * s
            b = t if (t > f and t < b) else b
            best[col] = b
    for j in range(whole, size):
        row = vals[j]
        for col in range(width):
            t = row[col] * sign[col]
            b = best[col]
            best[col] = t if (t > floor[col] and t < b) else b
    for col in range(width):
        best[col] *= sign[col]


@kernel
def _count_copies(vals, size, width, value, count):
    """Per lane, how many of the window's values equal ``value``, into ``count``."""
    for col in range(width):
        count[col] = 0
    whole = size - size % 4
    for j in range(0, whole, 4):
        r0, r1, r2, r3 = vals[j], vals[j + 1], vals[j + 2], vals[j + 3]
        for col in range(width):
            v = value[col]
            count[col] += (
                int32(r0[col] == v) + int32(r1[col] == v) + int32(r2[col] == v) + int32(r3[col] == v)
            )
    for j in range(whole, size):
        row = vals[j]
        for col in range(width):
            count[col] += int32(row[col] == value[col])


@kernel
def _median_lanes(x, size, c0, width, out, vals, median, below, at_most, sign, floor, best, count):
    """Filter lanes ``c0 : c0 + width`` of ``x`` along axis 0 into the same lanes of ``out``."""
    n = x.shape[0]
    half = size // 2
    rank = size // 2
    one = np.ones(1, dtype=x.dtype)[0]
    # Start from a window of -inf, whose median is -inf with all ``size``
    # values at most it, and feed the first window through the same step as
    # the rest: no sort to start with, for ``size - 1`` more steps per block.
    vals[:, :width] = -np.inf
    median[:width] = -np.inf
    below[:width] = 0
    at_most[:width] = size
    slot = 0  # ring position of the oldest value
    for q in range(-half, n + size - 1 - half):  # the incoming value's position
        # Sliced to the lanes first: indexing with ``c0 + col`` made numba
        # guard every access against a negative index (gathers, not loads).
        src = (x[q] if 0 <= q < n else x[_reflect_index(q, n)])[c0 : c0 + width]
        moved = int32(0)
        for col in range(width):
            old, new, med = vals[slot, col], src[col], median[col]
            lt = below[col] - int32(old < med) + int32(new < med)
            le = at_most[col] - int32(old <= med) + int32(new <= med)
            below[col], at_most[col] = lt, le
            vals[slot, col] = new
            up = le <= rank
            moved = moved or up or lt > rank  # measured faster than an integer or bool OR
            s = one if up else -one
            sign[col] = s
            floor[col] = med * s
            best[col] = np.inf
        if moved:
            # Lanes whose median stays also search: a select per lane costs
            # less than a branch, and their result is not used.
            _nearest_beyond(vals, size, width, sign, floor, best)
            _count_copies(vals, size, width, best, count)
            for col in range(width):
                if at_most[col] <= rank:  # the median moves up to the next value
                    below[col] = at_most[col]
                    at_most[col] += count[col]
                    median[col] = best[col]
                elif below[col] > rank:  # or down to the previous one
                    at_most[col] = below[col]
                    below[col] -= count[col]
                    median[col] = best[col]
        slot += 1
        if slot == size:
            slot = 0
        i = q + half - size + 1  # the output the window is complete for
        if i >= 0:
            dst = out[i, c0 : c0 + width]
            for col in range(width):
                dst[col] = median[col]


@kernel
def _lanes_to_tile(x, c0, width, tile):
    """``tile[i, col] = x[c0 + col, i]``: a block of lanes in the layout the filter wants."""
    lanes = x[c0 : c0 + width]
    for i in range(x.shape[1]):
        row = tile[i]
        for col in range(width):
            row[col] = lanes[col, i]


@kernel
def _tile_to_lanes(tile, c0, width, out):
    """``out[c0 + col, i] = tile[i, col]``, the way back."""
    lanes = out[c0 : c0 + width]
    n = out.shape[1]
    # In runs of 16 frames: each lane's run is one contiguous write, and the
    # tile's 16 rows stay in cache (a lane at a time, reading the tile down
    # its columns, took four times as long).
    for i0 in range(0, n, 16):
        i1 = min(i0 + 16, n)
        for col in range(width):
            dst = lanes[col]
            for i in range(i0, i1):
                dst[i] = tile[i, col]


def _median_axis0(x, size, out, transposed):
    """``out[i, c]`` = rank-``size // 2`` value of ``x[i - size//2 : ..., c]`` (reflected).

    ``transposed``: ``x`` and ``out`` arrive as their transposes (C-ordered
    ``(lanes, n)``: a Fortran-ordered array filtered along its first axis).
    Each block of lanes is then copied into a tile in the lanes-contiguous
    layout the filter wants, and its result copied back, a tile at a time:
    two cache-sized transposes instead of two of the whole array.

    The loop over blocks is Python's (a few dozen calls per spectrogram): a
    jitted driver would have numba optimise the filter a second time inside
    it, 0.4 s more compiling on a first run for no measurable speed.
    """
    scratch = (
        np.empty((size, _BLOCK), dtype=x.dtype),  # each lane's window, a ring
        np.empty(_BLOCK, dtype=x.dtype),  # median
        np.empty(_BLOCK, dtype=np.int32),  # window values < median
        np.empty(_BLOCK, dtype=np.int32),  # window values <= median
        np.empty(_BLOCK, dtype=x.dtype),  # sign: -1 where the median moves down
        np.empty(_BLOCK, dtype=x.dtype),  # floor: sign * median
        np.empty(_BLOCK, dtype=x.dtype),  # best: the nearest value beyond
        np.empty(_BLOCK, dtype=np.int32),  # count: its copies in the window
    )
    if not transposed:
        m = x.shape[1]
        for c0 in range(0, m, _BLOCK):
            _median_lanes(x, size, c0, min(_BLOCK, m - c0), out, *scratch)
        return
    m, n = x.shape
    tile = np.empty((n, _BLOCK), dtype=x.dtype)
    tile_out = np.empty((n, _BLOCK), dtype=x.dtype)
    for c0 in range(0, m, _BLOCK):
        width = min(_BLOCK, m - c0)
        _lanes_to_tile(x, c0, width, tile)
        _median_lanes(tile, size, 0, width, tile_out, *scratch)
        _tile_to_lanes(tile_out, c0, width, out)


def median_filter_axis(x, size, axis=-1):
    """Median-filter a 2-D array along one axis, as scipy does.

    Equal, element for element, to
    ``scipy.ndimage.median_filter(x, size=s, mode='reflect')`` where ``s`` is
    ``size`` on ``axis`` and 1 on the other axis. For an even ``size`` the
    result is scipy's: the upper of the two middle values, with the window
    starting ``size // 2`` samples before the output position. Equal as
    ``==`` compares: where a window's median is a zero and it holds both
    ``0.0`` and ``-0.0``, the sign returned may differ from scipy's.

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
        The filtered array, same dtype as ``x``, in ``x``'s memory layout
        (C or Fortran order; any other layout is copied to C order first).
        No whole-array copy is made for either.

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
    if not (x.flags.c_contiguous or x.flags.f_contiguous):
        x = np.ascontiguousarray(x)
    # The kernel filters axis 0 of a C-ordered array, whose lanes (rows) are
    # contiguous; for the other two cases it reads the transpose, which is
    # C-ordered: a tile of lanes at a time when that axis is the filtered one.
    lines = x if along_rows else x.T
    transposed = not lines.flags.c_contiguous
    if transposed:
        lines = lines.T
    out = np.empty_like(lines)
    if lines.size:
        _median_axis0(lines, size, out, transposed)
    if transposed:
        out = out.T
    return out if along_rows else out.T
