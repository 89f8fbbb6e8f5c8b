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
from .dsp import stft_magnitude_of_padded
from .frontend import _rms_from_magnitude, hpss, line_through_frames

__all__ = ["SpectraBlock", "spectra_blocks", "whole_clip_block", "FrameStore", "block_frames"]

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
    n_samples : int or None
        The clip's length in samples; known at the last block.
    rms_harmonic, rms_percussive : np.ndarray [shape=(stop - start,)]
    poly : np.ndarray [shape=(2, stop - start)]
        As the :class:`~musicfeat.Spectra` attributes of the same names, for these frames.
    """

    def __init__(self, config, start, stop, S, H, P, y, y_start, n_samples, spectra=None):
        self.config = config
        self.start, self.stop = start, stop
        self.S, self.H, self.P = S, H, P
        self.y, self.y_start, self.n_samples = y, y_start, n_samples
        self._spectra = spectra
        self._memo = {}

    @property
    def is_first(self):
        return self.start == 0

    @property
    def is_last(self):
        return self.n_samples is not None

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

    Its arrays are the Spectra's own (computed once, shared by every group).
    """
    n = spectra.y.size
    S = spectra.S
    return SpectraBlock(
        spectra.config, 0, S.shape[1], S, spectra.H, spectra.P, spectra.y, 0, n, spectra=spectra
    )


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
    seen = 0
    start = 0
    for chunk in chunks:
        buffer = np.concatenate([buffer, np.asarray(chunk, dtype=np.float32)])
        seen += len(chunk)
        # Frames whose samples have all arrived (whatever the clip's true length).
        complete = (seen + pad - n_fft) // hop + 1 if seen + pad >= n_fft else 0
        while start + size + halo <= complete:
            yield _block(config, buffer, buffer_start, start, start + size, None, None)
            start += size
            keep = max(0, (start - halo) * hop - pad)  # the next block's first sample
            buffer, buffer_start = buffer[keep - buffer_start :], keep
    if seen == 0:
        raise ValueError("spectra_blocks: the clip is empty")
    n_frames = 1 + (seen + 2 * pad - n_fft) // hop
    while start < n_frames:
        stop = min(start + size, n_frames)
        yield _block(config, buffer, buffer_start, start, stop, n_frames, seen if stop == n_frames else None)
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
    return SpectraBlock(config, start, stop, S[:, inner], H[:, inner], P[:, inner], y, y_lo, n_samples)


class FrameStore:
    """Per-frame arrays kept for a second pass after the clip's end: in memory for one block, else on disk.

    A group that needs whole-clip data before it can finish some frames (the
    chroma needs the clip's tuning) keeps them here. The first block stays
    in memory (a whole clip never touches the disk); from the second on,
    blocks go to an anonymous temporary file, read back with plain reads
    (not a memory map, so they do not count in the process's resident
    memory), and deleted when the store is closed or collected.

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
        if self._file is None and not self._kept:
            self._kept.append(array)
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="musicfeat-stream-")
            first = self._kept[0]
            self._write(first)
            self._kept = [(first.shape, first.dtype)]
        self._write(array)
        self._kept.append((array.shape, array.dtype))

    def _write(self, array):
        self._file.write(np.ascontiguousarray(array).tobytes())

    def __iter__(self):
        if self._file is None:
            yield from self._kept
            return
        self._file.flush()
        self._file.seek(0)
        for shape, dtype in self._kept:
            count = int(np.prod(shape))
            data = np.frombuffer(self._file.read(count * np.dtype(dtype).itemsize), dtype=dtype)
            yield data.reshape(shape).copy()

    def close(self):
        if self._file is not None:
            self._file.close()
        self._file, self._kept = None, []
