"""Rhythm: onset strength and tempo of the percussive part.

The room of one feature group: the onset envelope is computed here, once
per clip (:func:`onset_envelope` keeps it in the clip's
:class:`~musicfeat.Spectra`, where other groups may reuse it), and the tempo
from it, a block of frames at a time.
"""

import numpy as np

from ..blockwise import N_MELS, frame_blocks, mel_power
from ..dsp import onset_strength, power_to_db, tempogram_lag_sums
from ..stats import moments
from ..streaming import DecibelStore
from ._base import ClipTransformer, stat_descriptions, stat_names
from ._frames import smallest_mel_n_fft

#: Length of the autocorrelation window the tempo is estimated over (librosa's ``ac_size``).
TEMPO_WINDOW_SECONDS = 8.0


def onset_envelope(spectra):
    """Onset strength of a clip's percussive mel spectrogram in dB, computed once per clip.

    ``librosa.onset.onset_strength(S=power_to_db(melspectrogram(S=P**2,
    sr=sr)), sr=sr)``: per frame, the mean over 128 mel bands of the
    positive first difference of the level.

    Parameters
    ----------
    spectra : Spectra

    Returns
    -------
    np.ndarray [shape=(t,), dtype=float64]
    """
    return spectra.memo("rhythm.onset_envelope", _onset_envelope)


def _onset_envelope(spectra):
    c = spectra.config
    mel = mel_power(spectra.P, c.sr, c.n_fft)
    envelope = onset_strength(power_to_db(mel), n_fft=c.n_fft, hop_length=c.hop_length)
    return envelope.astype(np.float64)


def mel_power_of_p(block):
    """``mel_power(P)`` of a block, computed once per block for every group that reads it
    (the onset envelope here, the MFCC of P of ``'extended'``)."""
    c = block.config
    return block.memo("mel_power.P", lambda b: mel_power(b.P, c.sr, c.n_fft))


def tempo_from_envelope(
    envelope, sr, hop_length, *, ac_size=TEMPO_WINDOW_SECONDS, start_bpm=120.0, std_bpm=1.0, max_tempo=320.0
):
    """Global tempo (BPM) of an onset envelope; 0 when it has no positive value.

    ``librosa.feature.tempo(onset_envelope=envelope, sr=sr,
    hop_length=hop_length)[0]``: the lag maximising the frame-averaged
    autocorrelation tempogram (8 s Hann windows, each frame normalised to a
    peak of 1) under a log-normal prior around 120 BPM. The tempogram is
    summed a block of frames at a time instead of held whole (librosa's
    takes several hundred MB for a 10-minute clip). A flat envelope gives 0:
    silence has no tempo, where librosa would answer the peak of its prior
    (about 117 BPM).
    """
    import librosa

    if not (envelope > 0).any():
        return 0.0
    win_length = int(librosa.time_to_frames(ac_size, sr=sr, hop_length=hop_length))
    window = librosa.filters.get_window("hann", win_length, fftbins=True)
    n = envelope.size
    padded = np.pad(envelope, win_length // 2, mode="linear_ramp", end_values=[0, 0])
    total = tempogram_lag_sums(padded, window, n, frame_blocks(n))
    bpms = librosa.tempo_frequencies(win_length, hop_length=hop_length, sr=sr)
    with np.errstate(divide="ignore"):
        logprior = -0.5 * ((np.log2(bpms) - np.log2(start_bpm)) / std_bpm) ** 2
    logprior[: int(np.argmax(bpms < max_tempo))] = -np.inf
    return float(bpms[np.argmax(np.log1p(1e6 * (total / n)) + logprior)])


class RhythmFeatures(ClipTransformer):
    """Onset strength and tempo of the percussive component (3 features).

    The onset envelope is the mean positive first difference over mel bands
    of the percussive mel spectrogram in dB,
    ``librosa.onset.onset_strength(S=power_to_db(melspectrogram(S=P**2,
    sr=sr)), sr=sr)``; its mean and std over frames are the first two
    features. The third, ``tempo_bpm``, is the global tempo estimated from
    that envelope by ``librosa.feature.tempo`` (autocorrelation tempogram
    with a log-normal prior around 120 BPM), or 0 for an envelope with no
    onset. The tempo is estimated over 8-s windows: a clip shorter than that
    gives a tempo that leans on the prior (a
    :class:`~musicfeat.DegenerateFeatureWarning` says so, once per call).

    Parameters
    ----------
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration, engine
        As in :class:`HPSSFeatures`.

    References
    ----------
    .. [1] D. P. W. Ellis, "Beat tracking by dynamic programming", Journal of
       New Music Research 36(1), 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import RhythmFeatures
    >>> sr = 22050
    >>> clicks = np.zeros(10 * sr, dtype=np.float32)
    >>> clicks[:: sr // 2] = 1.0     # a click every half second: 120 BPM
    >>> bpm = RhythmFeatures().fit_transform([clicks])[0, 2]
    >>> bool(abs(bpm - 120) < 3)
    True
    """

    def _smallest_n_fft(self, sr):
        return smallest_mel_n_fft(
            sr
        ), f"each of the {N_MELS} mel filters of the onset envelope needs an STFT bin"

    def _degeneracies(self, config, seconds):
        if not (seconds < TEMPO_WINDOW_SECONDS).any():
            return []
        return [
            f"tempo_bpm of clips shorter than its {TEMPO_WINDOW_SECONDS:g} s autocorrelation window leans "
            "on its prior around 120 BPM"
        ]

    def feature_names(self):
        return stat_names("onset_strength", ("mean", "std")) + ["tempo_bpm"]

    def feature_descriptions(self):
        return stat_descriptions(
            "onset strength of the percussive mel spectrogram in dB (`librosa.onset.onset_strength`)",
            ("mean", "std"),
        ) + ["global tempo in BPM from the onset envelope (`librosa.feature.tempo`); 0 without onsets"]

    def accumulator(self, config):
        return _OnsetAccumulator(config)


class _OnsetAccumulator:
    """The rhythm group's stream accumulator: mel levels of P per block; the envelope and tempo at the end.

    The onset envelope needs the dB floor 80 dB under the clip's loudest mel
    bin, known only at the clip's end: each block's levels are kept
    (:class:`~musicfeat.streaming.DecibelStore`, 1.3 MB per audio-minute)
    and the envelope computed from them in a second pass, the same float
    operations as :func:`~musicfeat.dsp.onset_strength` frame by frame.
    """

    def __init__(self, config):
        self.config = config
        self.levels = DecibelStore()

    def close(self):
        self.levels.close()

    def add(self, block):
        self.levels.append(mel_power_of_p(block))

    def finish(self):
        c = self.config
        rises, previous = [], None
        for db in self.levels.blocks():
            frames = db if previous is None else np.concatenate([previous, db], axis=1)
            # onset_strength's step: mean over bands of the positive first difference
            rises.append(np.mean(np.maximum(0.0, frames[:, 1:] - frames[:, :-1]), axis=-2))
            previous = db[:, -1:]
        rise = np.concatenate(rises)
        n_frames = rise.size + 1
        lag = 1 + c.n_fft // (2 * c.hop_length)  # onset_strength's shift for centred frames
        envelope = np.concatenate([np.zeros(lag, dtype=rise.dtype), rise])[:n_frames].astype(np.float64)
        tempo = tempo_from_envelope(envelope, c.sr, c.hop_length)
        return np.concatenate([moments(envelope)[:2], [tempo]])
