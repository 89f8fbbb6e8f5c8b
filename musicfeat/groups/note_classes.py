"""Note classes: the chromagram of the harmonic part and its tonal centroid (tonnetz).

The room of one feature group: the tuning estimate and the chromagram are
computed here, once per clip (:func:`chroma` keeps it in the clip's
:class:`~musicfeat.Spectra`, where other groups may reuse it).
"""

import numpy as np

from ..blockwise import frame_blocks
from ..dsp import chroma_stft, pitch_tuning
from ..dsp import tonnetz as dsp_tonnetz
from ..kernels import pick_spectral_peaks
from ..stats import MOMENT_DESCRIPTIONS, moments, moments_by_row
from ..streaming import FrameStore, join_series
from ._base import ClipTransformer

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
TONNETZ_DIMENSIONS = ("fifth_x", "fifth_y", "minor_x", "minor_y", "major_x", "major_y")


def estimate_tuning(X, sr, n_fft):
    """``librosa.estimate_tuning(S=X**2, sr=sr, n_fft=n_fft)``, a block of frames at a time.

    Peaks come from :func:`musicfeat.kernels.pick_spectral_peaks`, which
    equals ``librosa.piptrack`` bit for bit in one pass. piptrack picks, per
    frame, the interpolated spectral peaks between 150 Hz and 4 kHz above a
    tenth of the frame's maximum; the tuning is the mode of their deviation
    from the equal-tempered grid, counting peaks at least as strong as the
    median peak. Only that pooling spans frames. Returns 0 where there is no
    pitched peak at all (silence, clicks), as librosa does, without its
    warning.

    Parameters
    ----------
    X : np.ndarray [shape=(1 + n_fft // 2, t)]
        Magnitude spectrogram.

    Returns
    -------
    float
        Deviation from A440 in fractions of a semitone, in [-0.5, 0.5).
    """
    return tuning_of_peaks(*spectral_peaks(X, sr, n_fft))


def spectral_peaks(X, sr, n_fft):
    """The frame-local step of :func:`estimate_tuning`: the pitch and magnitude of each peak piptrack picks.

    Returns
    -------
    pitch, magnitude : np.ndarray [shape=(n_peaks,)]
        In frame order (about 4 peaks per frame of music: 90 KB per audio-minute).
    """
    pitches, magnitudes = [], []
    for block in frame_blocks(X.shape[1]):
        pitch, mag = pick_spectral_peaks(X[:, block], sr, n_fft)  # = librosa.piptrack
        picked = pitch > 0
        pitches.append(pitch[picked])
        magnitudes.append(mag[picked])
    return np.concatenate(pitches), np.concatenate(magnitudes)


def tuning_of_peaks(pitch, mag):
    """The clip-wide step of :func:`estimate_tuning`, from the peaks of all its frames."""
    threshold = np.median(mag) if mag.size else 0.0
    return pitch_tuning(pitch[mag >= threshold], resolution=0.01, bins_per_octave=12)


def chroma(spectra):
    """``librosa.feature.chroma_stft(S=H**2, sr=sr)`` of a clip (12 x t), computed once per clip.

    Computed over blocks of frames: the tuning estimate
    (:func:`estimate_tuning`) is frame-local except its final median and
    histogram, so pooling the peaks picked in each block gives librosa's
    tuning, and the chroma of each frame depends on that frame alone.

    Parameters
    ----------
    spectra : Spectra

    Returns
    -------
    np.ndarray [shape=(12, t)]
        Pitch classes C to B; each frame scaled so its largest class is 1.
    """
    return spectra.memo("note_classes.chroma", _chroma)


def _chroma(spectra):
    c, H = spectra.config, spectra.H
    tuning = estimate_tuning(H, c.sr, c.n_fft)
    out = np.empty((12, H.shape[1]), dtype=H.dtype)
    for block in frame_blocks(H.shape[1]):
        out[:, block] = chroma_stft(np.square(H[:, block]), c.sr, c.n_fft, tuning)
    return out


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
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration, engine
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

    def feature_names(self):
        chroma_means = [f"chroma_{p}_mean" for p in PITCH_CLASSES]
        chroma_stds = [f"chroma_{p}_std" for p in PITCH_CLASSES]
        tonnetz_means = [f"tonnetz_{d}_mean" for d in TONNETZ_DIMENSIONS]
        tonnetz_stds = [f"tonnetz_{d}_std" for d in TONNETZ_DIMENSIONS]
        return chroma_means + chroma_stds + tonnetz_means + tonnetz_stds

    def feature_descriptions(self):
        return [
            f"chroma of pitch class {p} (`chroma_stft(S=H**2)`), {MOMENT_DESCRIPTIONS[stat]}"
            for stat in ("mean", "std")
            for p in PITCH_CLASSES
        ] + [
            f"tonnetz coordinate {d} (`librosa.feature.tonnetz`), {MOMENT_DESCRIPTIONS[stat]}"
            for stat in ("mean", "std")
            for d in TONNETZ_DIMENSIONS
        ]

    def accumulator(self, config):
        return _ChromaAccumulator(config)


class _ChromaAccumulator:
    """The note-class group's stream accumulator: the tuning's peaks and H per block; the chroma at the end.

    The chroma of each frame needs the clip's tuning, known only at its end.
    The peaks picked for it are kept (about 90 KB per audio-minute) and H
    itself, in a :class:`~musicfeat.streaming.FrameStore` (in memory for a
    whole clip, on disk past one block: 10.6 MB per audio-minute at the
    default analysis), read back a block at a time once the tuning is known.
    """

    def __init__(self, config):
        self.config = config
        self.peaks = []
        self.harmonic = FrameStore()

    def close(self):
        self.harmonic.close()

    def add(self, block):
        c = self.config
        self.peaks.append(spectral_peaks(block.H, c.sr, c.n_fft))
        self.harmonic.append(block.H)

    def finish(self):
        c = self.config
        pitch, mag = (np.concatenate(parts) for parts in zip(*self.peaks, strict=True))
        tuning = tuning_of_peaks(pitch, mag)
        parts = []
        for H in self.harmonic:
            for block in frame_blocks(H.shape[1]):
                parts.append(chroma_stft(np.square(H[:, block]), c.sr, c.n_fft, tuning))
        self.harmonic.close()
        # One C-ordered array, whatever the blocks: the moments then sum each row in one order.
        return _note_class_row(join_series(parts))


def _note_class_row(pitch_classes):
    tonnetz = dsp_tonnetz(pitch_classes)
    chroma_stats = moments_by_row(pitch_classes)[:, :2]
    tonnetz_stats = moments(tonnetz)[:, :2]  # tonnetz is F-ordered: whole, as it always was
    return np.concatenate([chroma_stats[:, 0], chroma_stats[:, 1], tonnetz_stats[:, 0], tonnetz_stats[:, 1]])
