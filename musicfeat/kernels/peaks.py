"""Spectral peak picking for the tuning estimate, exactly as ``librosa.piptrack``.

librosa's chroma estimates the tuning from the peaks that ``piptrack`` picks
in every frame; piptrack allocates half a dozen spectrogram-sized arrays to
do it. This kernel makes one pass per frame with the same float32
operations, in the same order, and writes the same pitches and magnitudes.

In the kernels room: numba only, importing nothing else of the package.
"""

import numpy as np

from ._config import kernel


@kernel
def _gated(power, ref):
    # librosa looks for local maxima of S * (S > ref)
    return power if power > ref else np.float32(0.0)


@kernel
def _pick_peaks(X, in_band, threshold, sr, n_fft, pitch, mag):
    n_bins, n_frames = X.shape
    last = n_bins - 1
    for t in range(n_frames):
        peak = np.float32(0.0)
        for k in range(n_bins):
            peak = max(peak, X[k, t] * X[k, t])  # the power, as np.square in float32
        ref = threshold * peak
        for k in range(1, n_bins):
            if not in_band[k]:
                continue
            here, below = X[k, t] * X[k, t], X[k - 1, t] * X[k - 1, t]
            if k < last:
                above = X[k + 1, t] * X[k + 1, t]
                if not (_gated(here, ref) > _gated(below, ref) and _gated(here, ref) >= _gated(above, ref)):
                    continue
                # Parabolic interpolation (0 when the vertex is over a bin away).
                # librosa's numba stencil promotes to float64 here (int * float32)
                # and rounds only the shift back to float32: so do we.
                a = np.float64(above + below) - 2.0 * np.float64(here)
                b = np.float64(above - below) / 2.0
                shift = np.float32(0.0) if abs(b) >= abs(a) else np.float32(-b / a)
                gradient = (above - below) / np.float32(2.0)  # np.gradient, in float32
            else:
                if not _gated(here, ref) > _gated(below, ref):
                    continue
                shift = np.float32(0.0)
                gradient = here - below
            pitch[k, t] = (k + np.float64(shift)) * sr / n_fft
            mag[k, t] = here + np.float32(0.5) * gradient * shift


def pick_spectral_peaks(X, sr, n_fft, fmin=150.0, fmax=4000.0, threshold=0.1):
    """``librosa.piptrack(S=X**2, sr=sr, n_fft=n_fft)``, bit for bit, in one pass.

    Parameters
    ----------
    X : np.ndarray [shape=(1 + n_fft // 2, t), dtype=float32]
        Magnitude spectrogram; piptrack works on its square (the power).
    sr, n_fft : int
    fmin, fmax, threshold : float
        piptrack's defaults: peaks between 150 Hz and 4 kHz, above 0.1 of
        the frame's maximum.

    Returns
    -------
    pitches, magnitudes : np.ndarray [shape=X.shape, dtype=float32]
        Zero except at picked peaks.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.kernels import pick_spectral_peaks
    >>> X = np.zeros((1025, 1), dtype=np.float32)
    >>> X[40:43, 0] = [0.5, 1.0, 0.5]            # a symmetric peak at bin 41
    >>> pitches, mags = pick_spectral_peaks(X, 22050, 2048)
    >>> int(np.flatnonzero(pitches[:, 0])[0]), round(float(pitches[41, 0]), 2)
    (41, 441.43)
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] != 1 + n_fft // 2:
        raise ValueError(f"X must have shape (1 + n_fft // 2, t) = ({1 + n_fft // 2}, t); got {X.shape}.")
    X = X.astype(np.float32, copy=False)
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    in_band = (max(fmin, 0) <= freqs) & (freqs < min(fmax, float(sr) / 2))
    pitch = np.zeros(X.shape, dtype=np.float32)
    mag = np.zeros(X.shape, dtype=np.float32)
    _pick_peaks(X, in_band, np.float32(threshold), float(sr), n_fft, pitch, mag)
    return pitch, mag
