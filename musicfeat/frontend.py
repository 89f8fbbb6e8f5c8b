"""The shared front end: one STFT and one HPSS per clip.

Every feature group reads from a :class:`Spectra`, which computes each
intermediate (magnitude spectrogram, harmonic/percussive split, RMS series,
polynomial fit, onset envelope, chromagram) the first time a group asks for
it and keeps it for the others. :class:`~musicfeat.MusicFeatures` makes one
``Spectra`` per clip and hands it to all its groups, so nothing is computed
twice; a group used alone builds its own.
"""

from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache

import numpy as np

from .kernels import apply_hpss_masks, median_filter_axis, pick_spectral_peaks

__all__ = ["FrontEndConfig", "Spectra", "stft_magnitude", "hpss"]


@dataclass(frozen=True)
class FrontEndConfig:
    """The parameters that determine a clip's spectra (see FEATURES-419.md)."""

    sr: int = 22050
    n_fft: int = 2048
    hop_length: int = 512
    kernel_size: int = 31
    hpss_power: float = 2.0
    hpss_margin: float = 1.0

    def as_dict(self):
        return asdict(self)


def stft_magnitude(y, n_fft, hop_length):
    """``abs(librosa.stft(y, n_fft, hop_length))``: Hann window, centred, zero padding.

    Returns
    -------
    np.ndarray [shape=(1 + n_fft // 2, t), dtype=float32]
    """
    import warnings

    import librosa

    with warnings.catch_warnings():
        # A clip shorter than n_fft is valid input (zero padded, as the spec
        # says); librosa's advice to shorten n_fft is not for our users.
        warnings.filterwarnings("ignore", message="n_fft=.* is too large", category=UserWarning)
        D = librosa.stft(y, n_fft=n_fft, hop_length=hop_length, center=True, pad_mode="constant")
    return np.abs(D)


def hpss(S, kernel_size=31, power=2.0, margin=1.0):
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


#: Frames per block when projecting spectrogram frames: bounds the float64
#: and squared temporaries to a few tens of MB whatever the clip's length.
FRAME_BLOCK = 2048


def frame_blocks(n_frames):
    """Slices covering ``range(n_frames)`` in blocks of :data:`FRAME_BLOCK` frames.

    Every frame-local step walks a clip this way, so the block size is set in
    one place (and read when called, so a test can make blocks tiny).

    Examples
    --------
    >>> from musicfeat.frontend import frame_blocks
    >>> [(b.start, b.stop) for b in frame_blocks(5000)]
    [(0, 2048), (2048, 4096), (4096, 6144)]
    """
    return [slice(start, start + FRAME_BLOCK) for start in range(0, n_frames, FRAME_BLOCK)]


def project_frames(matrix, X, transform, dtype):
    """``matrix @ transform(X)`` computed over blocks of frames (columns).

    Parameters
    ----------
    matrix : np.ndarray [shape=(k, d)]
    X : np.ndarray [shape=(d, t)]
    transform : callable
        Applied to each block ``X[:, a:b]`` (e.g. squaring, a cast).
    dtype : numpy dtype
        Of the result.

    Returns
    -------
    np.ndarray [shape=(k, t)]
    """
    out = np.empty((matrix.shape[0], X.shape[1]), dtype=dtype)
    for block in frame_blocks(X.shape[1]):
        out[:, block] = matrix @ transform(X[:, block])
    return out


def as_float64(X):
    return X.astype(np.float64)


def estimate_tuning(X, sr, n_fft):
    """``librosa.estimate_tuning(S=X**2, sr=sr, n_fft=n_fft)``, a block of frames at a time.

    Peaks come from :func:`musicfeat.kernels.pick_spectral_peaks`, which
    equals ``librosa.piptrack`` bit for bit in one pass. piptrack picks, per frame, the interpolated spectral peaks between 150
    Hz and 4 kHz above a tenth of the frame's maximum; the tuning is the
    mode of their deviation from the equal-tempered grid, counting peaks at
    least as strong as the median peak. Only that pooling spans frames.
    Returns 0 where there is no pitched peak at all (silence, clicks), as
    librosa does, without its warning.
    """
    import warnings

    import librosa

    pitches, magnitudes = [], []
    for block in frame_blocks(X.shape[1]):
        pitch, mag = pick_spectral_peaks(X[:, block], sr, n_fft)  # = librosa.piptrack
        picked = pitch > 0
        pitches.append(pitch[picked])
        magnitudes.append(mag[picked])
    pitch, mag = np.concatenate(pitches), np.concatenate(magnitudes)
    threshold = np.median(mag) if mag.size else 0.0
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Trying to estimate tuning from empty", category=UserWarning
        )
        return librosa.pitch_tuning(pitch[mag >= threshold], resolution=0.01, bins_per_octave=12)


@lru_cache(maxsize=16)
def _mel_basis(sr, n_fft):
    import librosa

    basis = librosa.filters.mel(sr=sr, n_fft=n_fft)
    basis.setflags(write=False)
    return basis


def _rms_from_magnitude(X, frame_length):
    # librosa.feature.rms(S=X, frame_length=frame_length): Parseval with the
    # DC (and Nyquist, for even frames) bins counted once. Blocks of frames
    # bound the squared temporary; each frame is still summed on its own, in
    # librosa's order.
    rms = np.empty(X.shape[1], dtype=np.float64)
    for block in frame_blocks(X.shape[1]):
        power = np.square(X[:, block])
        power[0] *= 0.5
        if frame_length % 2 == 0:
            power[-1] *= 0.5
        rms[block] = np.sqrt(2 * power.sum(axis=0) / frame_length**2)
    return rms


class Spectra:
    """One clip's analysis, computed lazily and at most once.

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
        f = self.frequencies
        f_centred = f - f.mean()
        weights = np.vstack([f_centred / np.dot(f_centred, f_centred), np.full(f.size, 1.0 / f.size)])
        slope, mean = project_frames(weights, self.H, as_float64, np.float64)
        return np.vstack([slope, mean - slope * f.mean()])

    @cached_property
    def onset_envelope(self):
        """Onset strength of the percussive mel spectrogram (in dB)."""
        import librosa

        c = self.config
        mel = project_frames(_mel_basis(c.sr, c.n_fft), self.P, np.square, np.float32)
        return librosa.onset.onset_strength(
            S=librosa.power_to_db(mel), sr=c.sr, n_fft=c.n_fft, hop_length=c.hop_length
        ).astype(np.float64)

    @cached_property
    def chroma(self):
        """``librosa.feature.chroma_stft(S=H**2, sr=sr)`` (12 x t).

        Computed over blocks of frames: the tuning estimate
        (:func:`estimate_tuning`) is frame-local except its final median and
        histogram, so pooling the peaks picked in each block gives librosa's
        tuning, and the chroma of each frame depends on that frame alone.
        """
        import librosa

        c = self.config
        tuning = estimate_tuning(self.H, c.sr, c.n_fft)
        chroma = np.empty((12, self.H.shape[1]), dtype=self.H.dtype)
        for block in frame_blocks(self.H.shape[1]):
            chroma[:, block] = librosa.feature.chroma_stft(
                S=np.square(self.H[:, block]), sr=c.sr, n_fft=c.n_fft, hop_length=c.hop_length, tuning=tuning
            )
        return chroma
