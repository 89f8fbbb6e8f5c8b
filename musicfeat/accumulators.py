"""What a group's accumulator keeps of a clip between blocks: frame series, stores, decibel levels.

The room beside :mod:`musicfeat.streaming` (which makes the blocks):
:class:`FrameSeries` joins a few numbers per frame over a clip's blocks,
:class:`FrameStore` keeps per-frame arrays for a pass after the clip's end
(in memory up to :data:`STORE_MEMORY_BYTES`, then on disk), and
:class:`DecibelStore` floors a clip's levels at its maximum less ``top_db``.
:mod:`musicfeat.streaming` re-exports them, where a group's author finds
them beside the blocks.

Imports: :mod:`musicfeat.dsp`.
"""

import tempfile

import numpy as np

from .dsp import db_levels

__all__ = [
    "STORE_MEMORY_BYTES",
    "FrameStore",
    "FrameSeries",
    "with_short_tail_merged",
    "DecibelStore",
    "join_series",
]


#: Bytes a :class:`FrameStore` keeps in memory before it moves to disk: a clip
#: of a few minutes (H of 3 minutes at the default analysis) never writes.
STORE_MEMORY_BYTES = 32 * 2**20


def _layout(array):
    return "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"


class FrameStore:
    """Per-frame arrays kept for a second pass after the clip's end: in memory up to a bound, else on disk.

    A group that needs whole-clip data before it can finish some frames (the
    chroma needs the clip's tuning) keeps them here. Blocks stay in memory
    while they hold less than :data:`STORE_MEMORY_BYTES` (and a whole clip,
    one block, always does: it never touches the disk); past that, all go
    to an anonymous temporary file, read back with plain reads (not a memory
    map, so they do not count in the process's resident memory), deleted
    when the store is closed or collected.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.accumulators import FrameStore
    >>> store = FrameStore()
    >>> store.append(np.ones((2, 3), dtype=np.float32)); store.append(np.zeros((2, 1), dtype=np.float32))
    >>> [b.shape for b in store]
    [(2, 3), (2, 1)]
    """

    def __init__(self):
        self._kept = []  # (array) while in memory, (shape, dtype) once spilled
        self._file = None

    def append(self, array):
        """Keep a block's array (any shape and dtype)."""
        if self._file is None and (
            not self._kept or sum(a.nbytes for a in self._kept) + array.nbytes <= STORE_MEMORY_BYTES
        ):
            self._kept.append(array)
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="musicfeat-stream-")
            kept, self._kept = self._kept, []
            for block in kept:
                self._write(block)
                self._kept.append((block.shape, block.dtype, _layout(block)))
        self._write(array)
        self._kept.append((array.shape, array.dtype, _layout(array)))

    def _write(self, array):
        # In the array's own layout, read back in it: BLAS products of the
        # blocks then run as on the originals.
        self._file.write(array.tobytes(order=_layout(array)))

    def __iter__(self):
        if self._file is None:
            yield from self._kept
            return
        self._file.flush()
        self._file.seek(0)
        for shape, dtype, layout in self._kept:
            count = int(np.prod(shape))
            data = np.frombuffer(self._file.read(count * np.dtype(dtype).itemsize), dtype=dtype)
            yield data.reshape(shape, order=layout).copy(order=layout)

    def close(self):
        if self._file is not None:
            self._file.close()
        self._file, self._kept = None, []


class FrameSeries:
    """A stream accumulator for groups whose features come from a few series per frame.

    ``per_block(block)`` returns the block's series (an array, or a tuple of
    arrays, frames on the last axis); :meth:`finish` concatenates each over
    the clip's blocks and returns ``finish(*series)``, the group's row. The
    series of a clip are the numbers per frame that the group keeps
    (kilobytes per audio-minute), so whatever needs the whole clip (moments,
    tempo, windowed moments) sees exactly the whole clip's series.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.accumulators import FrameSeries
    >>> acc = FrameSeries(lambda block: block, lambda x: np.array([x.sum()]))
    >>> acc.add(np.ones(3)); acc.add(np.ones(2))
    >>> acc.finish()
    array([5.])
    """

    def __init__(self, per_block, finish):
        self._per_block, self._finish = per_block, finish
        self._parts = []

    def add(self, block):
        """Keep one block's series."""
        series = self._per_block(block)
        self._parts.append(series if isinstance(series, tuple) else (series,))

    def finish(self):
        """The group's row, from the clip's whole series."""
        columns = list(zip(*self._parts, strict=True))
        self._parts = []
        return self._finish(*(join_series(parts) for parts in columns))


def join_series(parts):
    """The parts joined along their last axis into one C-ordered array, each freed once copied.

    The clip's series are then held once (not twice, as by ``np.concatenate``),
    and in one layout, so the reductions over them sum in one order.
    """
    parts = list(parts)
    if len(parts) == 1:
        return np.ascontiguousarray(parts[0])
    first = parts[0]
    out = np.empty((*first.shape[:-1], sum(p.shape[-1] for p in parts)), dtype=first.dtype)
    at = 0
    while parts:
        part = parts.pop(0)
        out[..., at : at + part.shape[-1]] = part
        at += part.shape[-1]
    return out


def with_short_tail_merged(blocks):
    """Stored blocks (frames on the last axis) with a last block of one frame joined to the one before.

    A reduction over the rows of a one-column array runs in another order
    than over the columns of a wider one (numpy sums a contiguous axis
    pairwise), so a group that reduces over bands in its finish step walks
    the stored blocks this way: every chunk it reduces is at least two
    frames wide unless the whole clip is one frame.
    """
    previous = None
    for block in blocks:
        if previous is not None and block.shape[-1] < 2:
            previous = np.concatenate([previous, block], axis=-1)
            continue
        if previous is not None:
            yield previous
        previous = block
    if previous is not None:
        yield previous


class DecibelStore:
    """``power_to_db`` of a clip's power spectra (``top_db`` below the clip's maximum), kept a block at a time.

    :func:`musicfeat.dsp.power_to_db` floors the levels at the array's
    maximum less ``top_db``: the floor needs the whole clip. Each block's
    levels (:func:`musicfeat.dsp.db_levels`) are kept in a
    :class:`FrameStore` with the running maximum; :meth:`blocks` gives them
    back floored, equal to the whole clip's ``power_to_db``, bit for bit,
    column by column. 512 bytes per frame for 128 mel bands: 1.3 MB per
    audio-minute at the default analysis, on disk past one block.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.dsp import power_to_db
    >>> from musicfeat.accumulators import DecibelStore
    >>> X = np.array([[1e-12, 1.0, 1e-3], [1e-9, 1e-2, 1e-6]], dtype=np.float32)
    >>> levels = DecibelStore()
    >>> levels.append(X[:, :2]); levels.append(X[:, 2:])
    >>> bool(np.array_equal(np.concatenate(list(levels.blocks()), axis=1), power_to_db(X)))
    True
    """

    def __init__(self, amin=1e-10, top_db=80.0):
        self.amin, self.top_db = amin, top_db
        self._store = FrameStore()
        self._max = None

    def append(self, power):
        """Keep one block's levels (frames on the last axis)."""
        levels = db_levels(power, self.amin)
        if levels.size:
            peak = levels.max()
            self._max = peak if self._max is None else max(self._max, peak)
        self._store.append(levels)

    def blocks(self):
        """The clip's floored levels, block by block (a last block of one frame joined to the one before)."""
        floor = None if self._max is None else self._max - self.top_db
        for levels in with_short_tail_merged(self._store):
            yield levels if floor is None else np.maximum(levels, floor)
        self._store.close()

    def close(self):
        """Delete what is kept (its scratch file too)."""
        self._store.close()
