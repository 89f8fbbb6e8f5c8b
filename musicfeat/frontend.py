"""The shared front end: one STFT and one HPSS per clip.

The room between decoding (:mod:`musicfeat.io`) and the feature groups
(:mod:`musicfeat.groups`). Every group reads from a :class:`Spectra`, which
computes what several groups share (magnitude spectrogram, harmonic and
percussive parts, their RMS series, the line fit through each harmonic
frame) the first time a group asks for it and keeps it for the others.
Intermediates that belong to one group's module but that other groups may
reuse (chroma, onset envelope, mel spectrogram) are kept with
:meth:`Spectra.memo`, so the front end does not need to know them.
:class:`~musicfeat.MusicFeatures` makes one ``Spectra`` per clip and hands it
to all its groups, so nothing is computed twice; a group used alone builds
its own. Imports: :mod:`musicfeat.kernels`, :mod:`musicfeat.blockwise` and
:mod:`musicfeat.dsp` (the STFT, :func:`stft_magnitude`, which this module
re-exports).
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import blockwise
from ._deprecation import moved_names
from .dsp import stft_magnitude
from .kernels import apply_hpss_masks, median_filter_axis

__all__ = ["FrontEndConfig", "Spectra", "stft_magnitude", "hpss", "line_through_frames"]

# Moved in 0.2: the block helpers to musicfeat.blockwise, the tuning to its group.
__getattr__ = moved_names(
    __name__,
    {
        **dict.fromkeys(
            ("FRAME_BLOCK", "frame_blocks", "project_frames", "as_float64"), "musicfeat.blockwise"
        ),
        "estimate_tuning": "musicfeat.groups.note_classes",
    },
)


@dataclass(frozen=True)
class FrontEndConfig:
    """The parameters that determine a clip's spectra (the front end of docs/contract.md)."""

    sr: int = 22050
    n_fft: int = 2048
    hop_length: int = 512
    kernel_size: int = 31
    hpss_power: float = 2.0
    hpss_margin: float = 1.0


def hpss(
    S,
    kernel_size=FrontEndConfig.kernel_size,
    power=FrontEndConfig.hpss_power,
    margin=FrontEndConfig.hpss_margin,
):
    """Harmonic/percussive separation by median filtering (Fitzgerald 2010).

    The same computation as ``librosa.decompose.hpss(S, kernel_size=...,
    power=..., margin=...)`` on a magnitude spectrogram, with the two median
    filters done by :func:`musicfeat.kernels.median_filter_axis`:

    .. math::

        \\tilde H = \\mathrm{med}_t(S),\\quad \\tilde P = \\mathrm{med}_f(S),\\quad
        H = S\\,\\frac{\\tilde H^p}{\\tilde H^p + (\\beta\\tilde P)^p},\\quad
        P = S\\,\\frac{\\tilde P^p}{\\tilde P^p + (\\beta\\tilde H)^p}

    with reflecting edges, ``p = power`` and margin ``beta``.

    Parameters
    ----------
    S : np.ndarray [shape=(d, t)], non-negative
        Magnitude spectrogram.
    kernel_size : int
        Median filter length, along time (harmonic) and frequency (percussive).
    power : float > 0
        Exponent of the soft mask.
    margin : float >= 1
        Separation margin; 1 gives ``H + P = S``.

    Returns
    -------
    H, P : np.ndarray [shape=(d, t)]

    References
    ----------
    .. [1] D. Fitzgerald, "Harmonic/percussive separation using median
       filtering", Proc. DAFx, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.frontend import hpss
    >>> S = np.ones((5, 8), dtype=np.float32)
    >>> S[2, :] = 10   # a steady tone: harmonic
    >>> H, P = hpss(S, kernel_size=3)
    >>> bool(H[2].min() > 9), bool(np.allclose(H + P, S))
    (True, True)
    """
    layout = "F" if S.flags.f_contiguous and not S.flags.c_contiguous else "C"
    # H and P keep S's memory layout, as librosa's do: reductions over
    # frequency (RMS) then add in the same order, so even rounding-level
    # features of steady signals agree with librosa bit for bit. They are
    # written over the filtered spectrograms: HPSS then holds three
    # spectrogram-sized arrays (four during one copy), not six.
    harm = np.asarray(median_filter_axis(S, kernel_size, axis=-1), order=layout)
    perc = np.asarray(median_filter_axis(S, kernel_size, axis=-2), order=layout)
    return apply_hpss_masks(S, harm, perc, power=power, margin=margin, out=(harm, perc))


def _rms_from_magnitude(X, frame_length):
    # librosa.feature.rms(S=X, frame_length=frame_length): Parseval with the
    # DC (and Nyquist, for even frames) bins counted once. Blocks of frames
    # bound the squared temporary; each frame is still summed on its own, in
    # librosa's order.
    rms = np.empty(X.shape[1], dtype=np.float64)
    for block in blockwise.frame_blocks(X.shape[1]):
        power = np.square(X[:, block])
        power[0] *= 0.5
        if frame_length % 2 == 0:
            power[-1] *= 0.5
        rms[block] = np.sqrt(2 * power.sum(axis=0) / frame_length**2)
    return rms


def line_through_frames(H, f):
    """Slope and constant of the least-squares line through each frame (column) of ``H`` over ``f``.

    Returns
    -------
    np.ndarray [shape=(2, t)], float64
    """
    f_centred = f - f.mean()
    weights = np.vstack([f_centred / np.dot(f_centred, f_centred), np.full(f.size, 1.0 / f.size)])
    slope, mean = blockwise.project_frames(weights, H, blockwise.as_float64, np.float64)
    return np.vstack([slope, mean - slope * f.mean()])


class Spectra:
    """One clip's analysis, computed lazily and at most once.

    Every attribute is computed the first time it is read. Group modules
    keep their own intermediates here with :meth:`memo`.

    Parameters
    ----------
    y : np.ndarray [shape=(n,), dtype=float32]
        Mono waveform at ``config.sr``.
    config : FrontEndConfig
        The analysis parameters.

    Attributes
    ----------
    S : np.ndarray [shape=(1 + n_fft // 2, t)]
        STFT magnitude.
    H, P : np.ndarray [shape=(1 + n_fft // 2, t)]
        Harmonic and percussive magnitudes.
    rms_harmonic, rms_percussive : np.ndarray [shape=(t,)]
        RMS energy of H and of P per frame.
    poly : np.ndarray [shape=(2, t)]
        Slope and constant of the line through each frame of H.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import Spectra, BandEnergy
    >>> sr = 22050
    >>> y = np.sin(2 * np.pi * 440 * np.arange(sr) / sr).astype(np.float32)
    >>> spectra = Spectra(y)
    >>> spectra.S.shape
    (1025, 44)
    >>> BandEnergy(band_counts=(4,)).transform([spectra]).shape
    (1, 32)
    """

    def __init__(self, y, config=None):
        self.y = y
        self.config = config if config is not None else FrontEndConfig()
        self._memo = {}

    @property
    def sr(self):
        return self.config.sr

    @cached_property
    def S(self):
        return stft_magnitude(self.y, self.config.n_fft, self.config.hop_length)

    @cached_property
    def _harmonic_percussive(self):
        c = self.config
        return hpss(self.S, kernel_size=c.kernel_size, power=c.hpss_power, margin=c.hpss_margin)

    @property
    def H(self):
        return self._harmonic_percussive[0]

    @property
    def P(self):
        return self._harmonic_percussive[1]

    @cached_property
    def frequencies(self):
        """Centre frequency of each STFT bin, ``k * sr / n_fft`` (Hz)."""
        return np.fft.rfftfreq(self.config.n_fft, d=1.0 / self.config.sr)

    @cached_property
    def rms_harmonic(self):
        """``librosa.feature.rms(S=H, frame_length=n_fft)[0]``, float64."""
        return _rms_from_magnitude(self.H, self.config.n_fft)

    @cached_property
    def rms_percussive(self):
        """``librosa.feature.rms(S=P, frame_length=n_fft)[0]``, float64."""
        return _rms_from_magnitude(self.P, self.config.n_fft)

    @cached_property
    def poly(self):
        """Least-squares line through each frame of ``H`` over frequency.

        Row 0 is the slope, row 1 the constant, as
        ``librosa.feature.poly_features(S=H, sr=sr, order=1)``, in closed form:
        ``slope = sum((f - fbar) * H) / sum((f - fbar)**2)``,
        ``constant = mean(H) - slope * fbar``.
        """
        return line_through_frames(self.H, self.frequencies)

    def memo(self, key, compute):
        """``compute(self)``, computed the first time ``key`` is asked for and kept.

        The way a group module shares an intermediate of its own (the
        chromagram, the onset envelope, the mel spectrogram) with every other
        group analysing the same clip, without the front end knowing it. Keys
        are module-qualified names (``"note_classes.chroma"``), so two modules
        cannot collide.

        Parameters
        ----------
        key : str
        compute : callable
            ``compute(spectra)`` returns the intermediate.

        Examples
        --------
        >>> import numpy as np
        >>> from musicfeat import Spectra
        >>> spectra = Spectra(np.ones(4096, dtype=np.float32))
        >>> total = spectra.memo("example.total", lambda s: float(s.S.sum()))
        >>> spectra.memo("example.total", lambda s: 0.0) == total  # computed once
        True
        """
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute(self)
            return value
