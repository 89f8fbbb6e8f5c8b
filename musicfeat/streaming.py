"""The stream engine's front end: a clip's spectra a block of frames at a time, equal to the whole clip's.

The room beside :mod:`musicfeat.frontend`: :func:`spectra_blocks` turns a
stream of waveform chunks (:func:`musicfeat.io.open_stream`) into
:class:`SpectraBlock` objects, each holding the frames ``[start, stop)`` of
``S``, ``H`` and ``P``. Each block is bit for bit the same slice of the
whole clip's arrays (``tests/test_stream.py``), because

- each STFT frame is computed on its own from the zero-padded signal
  (:func:`musicfeat.dsp.stft_magnitude_of_padded`);
- the HPSS filter along time needs ``kernel_size // 2`` frames on each side:
  a block's STFT is computed with that halo, which is cut off after the
  masks, and reaches the clip's true ends only at its first and last block,
  where the median reflects exactly as it does on the whole clip; the filter
  along frequency and the masks are per frame;
- blocks start at multiples of :data:`musicfeat.blockwise.FRAME_BLOCK`, so
  every projection a group makes over blocks of frames (BLAS products whose
  rounding may depend on the block's width) sees the very blocks the whole
  clip's path sees.

:func:`whole_clip_block` wraps a :class:`~musicfeat.Spectra` as the one
block of its clip: a group's stream accumulator
(:meth:`~musicfeat.groups.ClipTransformer._stream`) is also how it computes
a whole clip, so both paths run the same code. :class:`FrameStore` keeps
per-frame data a group needs again after the clip's end (the harmonic
spectrogram for the chroma, once the tuning is known): in memory for one
block, in a temporary file for more.

Imports: :mod:`musicfeat.frontend`, :mod:`musicfeat.blockwise`,
:mod:`musicfeat.dsp`.
"""

import tempfile
from functools import cached_property

import numpy as np

from . import blockwise
from .dsp import db_levels, stft_magnitude_of_padded
from .frontend import _rms_from_magnitude, hpss, line_through_frames

__all__ = [
    "SpectraBlock",
    "spectra_blocks",
    "whole_clip_block",
    "FrameStore",
    "FrameSeries",
    "block_frames",
    "with_short_tail_merged",
    "DecibelStore",
    "join_series",
]

#: Blocks of :data:`musicfeat.blockwise.FRAME_BLOCK` frames per stream block
#: (2048 frames, 47.6 s at the default analysis; S, H and P of a block with its
#: halo take 3 x 8.5 MB).
BLOCKS_PER_STREAM_BLOCK = 1


def block_frames():
    """Frames per stream block: a multiple of :data:`musicfeat.blockwise.FRAME_BLOCK`, read when called."""
    return BLOCKS_PER_STREAM_BLOCK * blockwise.FRAME_BLOCK


class SpectraBlock:
    """Frames ``[start, stop)`` of one clip's analysis, as a stream accumulator receives them.

    Attributes
    ----------
    config : FrontEndConfig
    start, stop : int
        The block's frames in the clip.
    is_first, is_last : bool
    S, H, P : np.ndarray [shape=(1 + n_fft // 2, stop - start)]
        The block's columns of the clip's ``S``, ``H`` and ``P``.
    y : np.ndarray [shape=(m,), dtype=float32]
        The clip's samples ``[y_start, y_start + m)`` that the block's frames
        cover (``frame t`` covers samples ``t * hop - n_fft // 2`` to that
        plus ``n_fft``), clipped to the clip.
    y_start : int
        Position of ``y[0]`` in the clip (samples).
    n_samples, n_frames : int or None
        The clip's length in samples and in frames, once the stream has
        ended (always at the last block).
    rms_harmonic, rms_percussive : np.ndarray [shape=(stop - start,)]
    poly : np.ndarray [shape=(2, stop - start)]
        As the :class:`~musicfeat.Spectra` attributes of the same names, for these frames.
    """

    def __init__(self, config, start, stop, S, H, P, y, y_start, n_samples, n_frames, spectra=None):
        self.config = config
        self.start, self.stop = start, stop
        self.n_frames = n_frames
        self._arrays = S, H, P
        self.y, self.y_start, self.n_samples = y, y_start, n_samples
        self._spectra = spectra
        self._memo = {}

    @property
    def is_first(self):
        return self.start == 0

    @property
    def is_last(self):
        return self.stop == self.n_frames

    # A whole clip's block reads its Spectra's arrays only when a group asks
    # for them (the zero-crossing rate needs no spectrogram).
    @property
    def S(self):
        return self._spectra.S if self._spectra is not None else self._arrays[0]

    @property
    def H(self):
        return self._spectra.H if self._spectra is not None else self._arrays[1]

    @property
    def P(self):
        return self._spectra.P if self._spectra is not None else self._arrays[2]

    @cached_property
    def frequencies(self):
        """Centre frequency of each STFT bin (Hz)."""
        return np.fft.rfftfreq(self.config.n_fft, d=1.0 / self.config.sr)

    @cached_property
    def rms_harmonic(self):
        if self._spectra is not None:
            return self._spectra.rms_harmonic
        return _rms_from_magnitude(self.H, self.config.n_fft)

    @cached_property
    def rms_percussive(self):
        if self._spectra is not None:
            return self._spectra.rms_percussive
        return _rms_from_magnitude(self.P, self.config.n_fft)

    @cached_property
    def poly(self):
        if self._spectra is not None:
            return self._spectra.poly
        return line_through_frames(self.H, self.frequencies)

    def memo(self, key, compute):
        """``compute(self)``, computed once per block and shared by the groups (per clip for a whole clip)."""
        if self._spectra is not None:
            return self._spectra.memo("block." + key, lambda spectra: compute(self))
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute(self)
            return value


def whole_clip_block(spectra):
    """A whole clip's :class:`~musicfeat.Spectra` as the one :class:`SpectraBlock` of its clip.

    Its arrays are the Spectra's own (computed once, shared by every group,
    and only when a group reads them).
    """
    c, n = spectra.config, spectra.y.size
    n_frames = 1 + (n + 2 * (c.n_fft // 2) - c.n_fft) // c.hop_length  # S's columns
    return SpectraBlock(c, 0, n_frames, None, None, None, spectra.y, 0, n, n_frames, spectra=spectra)


def spectra_blocks(chunks, config):
    """The blocks of one clip's spectra, from its waveform chunks, in order.

    Parameters
    ----------
    chunks : iterable of np.ndarray [shape=(k,), dtype=float32]
        The clip's samples at ``config.sr``, in order (any chunk sizes).
    config : FrontEndConfig

    Yields
    ------
    SpectraBlock
        Of :func:`block_frames` frames each (the last one shorter); the
        clip's frames are ``1 + (n + 2 * (n_fft // 2) - n_fft) // hop``.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import Spectra
    >>> from musicfeat.streaming import spectra_blocks
    >>> y = np.random.default_rng(0).standard_normal(22050 * 60).astype(np.float32)
    >>> blocks = list(spectra_blocks([y[:100000], y[100000:]], Spectra(y).config))
    >>> [(b.start, b.stop) for b in blocks]
    [(0, 2048), (2048, 2584)]
    >>> bool(np.array_equal(blocks[1].H, Spectra(y).H[:, 2048:]))
    True
    """
    n_fft, hop = config.n_fft, config.hop_length
    pad = n_fft // 2
    halo = config.kernel_size // 2
    size = block_frames()
    buffer, buffer_start = np.zeros(0, dtype=np.float32), 0  # samples [buffer_start, ...) of the clip
    pending = []  # chunks not yet joined to the buffer (joined once per block, not once per chunk)
    seen = 0
    start = 0
    for chunk in chunks:
        pending.append(np.asarray(chunk, dtype=np.float32))
        seen += len(chunk)
        # Frames whose samples have all arrived (whatever the clip's true length).
        complete = (seen + pad - n_fft) // hop + 1 if seen + pad >= n_fft else 0
        if start + size + halo <= complete:
            buffer, pending = np.concatenate([buffer, *pending]), []
        while start + size + halo <= complete:
            yield _block(config, buffer, buffer_start, start, start + size, None, None)
            start += size
            keep = max(0, (start - halo) * hop - pad)  # the next block's first sample
            buffer, buffer_start = buffer[keep - buffer_start :], keep
    if seen == 0:
        raise ValueError("spectra_blocks: the clip is empty")
    buffer = np.concatenate([buffer, *pending])
    n_frames = 1 + (seen + 2 * pad - n_fft) // hop
    while start < n_frames:
        stop = min(start + size, n_frames)
        yield _block(config, buffer, buffer_start, start, stop, n_frames, seen)
        start = stop


def _block(config, buffer, buffer_start, start, stop, n_frames, n_samples):
    """Frames ``[start, stop)``: the STFT with its halo, HPSS, the halo cut off."""
    n_fft, hop = config.n_fft, config.hop_length
    pad = n_fft // 2
    halo = config.kernel_size // 2
    first = max(0, start - halo)
    last = stop + halo if n_frames is None else min(stop + halo, n_frames)
    # Samples of the zero-padded signal under frames [first, last): padded index p is sample p - pad.
    lo, hi = first * hop - pad, (last - 1) * hop - pad + n_fft
    padded = np.zeros(hi - lo, dtype=np.float32)
    a, b = max(lo, buffer_start), min(hi, buffer_start + buffer.size)
    if b > a:
        padded[a - lo : b - lo] = buffer[a - buffer_start : b - buffer_start]
    S = stft_magnitude_of_padded(padded, n_fft, hop)
    H, P = hpss(S, kernel_size=config.kernel_size, power=config.hpss_power, margin=config.hpss_margin)
    inner = slice(start - first, stop - first)
    y_lo = max(0, start * hop - pad)
    y_hi = (stop - 1) * hop - pad + n_fft
    if n_samples is not None:
        y_hi = min(y_hi, n_samples)
    y_hi = min(y_hi, buffer_start + buffer.size)
    y = buffer[y_lo - buffer_start : y_hi - buffer_start]
    return SpectraBlock(
        config, start, stop, S[:, inner], H[:, inner], P[:, inner], y, y_lo, n_samples, n_frames
    )


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
    >>> from musicfeat.streaming import FrameStore
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
    >>> from musicfeat.streaming import FrameSeries
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
    >>> from musicfeat.streaming import DecibelStore
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
