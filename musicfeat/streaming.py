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
(:meth:`~musicfeat.groups.ClipTransformer.accumulator`) is also how it computes
a whole clip, so both paths run the same code. What an accumulator keeps
between blocks (:class:`FrameSeries`, :class:`FrameStore`,
:class:`DecibelStore`) lives in :mod:`musicfeat.accumulators`, re-exported here.

Imports: :mod:`musicfeat.frontend`, :mod:`musicfeat.accumulators`,
:mod:`musicfeat.blockwise`, :mod:`musicfeat.dsp`.
"""

from functools import cached_property

import numpy as np

from . import blockwise
from ._deprecation import moved_names
from .accumulators import DecibelStore, FrameSeries, FrameStore, join_series, with_short_tail_merged
from .dsp import stft_magnitude_of_padded
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

# Where a store's memory bound lives now (the stores moved to musicfeat.accumulators).
__getattr__ = moved_names(__name__, {"STORE_MEMORY_BYTES": "musicfeat.accumulators"})

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
