"""A.2: pitch classes and the tonal centroid."""

import numpy as np

from ..stats import moments
from ._base import ClipTransformer

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
TONNETZ_DIMENSIONS = ("fifth_x", "fifth_y", "minor_x", "minor_y", "major_x", "major_y")


class NoteClassFeatures(ClipTransformer):
    """Chroma and tonnetz of the harmonic component (36 features).

    The chromagram is ``librosa.feature.chroma_stft(S=H**2, sr=sr)``: the
    harmonic power spectrum folded onto the 12 pitch classes (after
    librosa's tuning estimate), each frame scaled so its largest class is 1.
    The tonnetz (Harte et al. 2006) projects each L1-normalised chroma
    frame onto the circles of fifths, minor thirds and major thirds,
    ``librosa.feature.tonnetz(chroma=chroma)``.

    Features: the 12 chroma means (C to B), the 12 chroma stds, then the 6
    tonnetz means and the 6 tonnetz stds, all over frames.

    Parameters
    ----------
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error
        As in :class:`HPSSFeatures`.

    References
    ----------
    .. [1] C. Harte, M. Sandler and M. Gasser, "Detecting harmonic change in
       musical audio", Proc. ACM Workshop on Audio and Music Computing
       Multimedia, 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import NoteClassFeatures
    >>> sr = 22050
    >>> a440 = np.sin(2 * np.pi * 440 * np.arange(2 * sr) / sr).astype(np.float32)
    >>> nc = NoteClassFeatures()
    >>> row = nc.fit_transform([a440])[0]
    >>> str(nc.get_feature_names_out()[np.argmax(row[:12])])
    'chroma_A_mean'
    """

    def _feature_names(self):
        chroma_means = [f"chroma_{p}_mean" for p in PITCH_CLASSES]
        chroma_stds = [f"chroma_{p}_std" for p in PITCH_CLASSES]
        tonnetz_means = [f"tonnetz_{d}_mean" for d in TONNETZ_DIMENSIONS]
        tonnetz_stds = [f"tonnetz_{d}_std" for d in TONNETZ_DIMENSIONS]
        return chroma_means + chroma_stds + tonnetz_means + tonnetz_stds

    def _features(self, spectra):
        import librosa

        chroma = spectra.chroma
        tonnetz = librosa.feature.tonnetz(chroma=chroma)
        chroma_stats = moments(chroma)[:, :2]
        tonnetz_stats = moments(tonnetz)[:, :2]
        return np.concatenate(
            [chroma_stats[:, 0], chroma_stats[:, 1], tonnetz_stats[:, 0], tonnetz_stats[:, 1]]
        )
