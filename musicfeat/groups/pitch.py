"""Fundamental frequency and voicing, for questions about voices (not in the 419)."""

import numpy as np

from .. import _validation as v
from ..frontend import FrontEndConfig
from ._base import DEFAULT_MAX_DURATION, ClipTransformer
from ._frames import above_nyquist, check_below_nyquist

#: Longest clip PitchFeatures analyses (seconds). pYIN's Viterbi decoding spans
#: the whole clip, so the group is never streamed, and librosa's pYIN takes
#: about 107 MB per audio-minute (measured on speech at the default analysis):
#: 10 minutes is about 1.1 GB. Cut longer recordings into windows
#: (:class:`~musicfeat.segments.Segmenter`, whose default features include pitch).
PITCH_MAX_SECONDS = 600.0

PITCH_FEATURES = (
    "pitch_f0_mean_hz",
    "pitch_f0_std_hz",
    "pitch_f0_median_hz",
    "pitch_f0_p10_hz",
    "pitch_f0_p90_hz",
    "pitch_voiced_fraction",
    "pitch_voiced_probability_mean",
)


class PitchFeatures(ClipTransformer):
    """f0 statistics and voicing from probabilistic YIN (7 features).

    ``librosa.pyin`` (Mauch and Dixon 2014) tracks the fundamental frequency
    between ``fmin`` and ``fmax`` over frames of ``n_fft`` samples and marks
    each frame voiced or not. Features: mean, std, median, 10th and 90th
    percentiles of f0 over voiced frames (Hz; 0 when no frame is voiced),
    the voiced fraction of frames, and the mean voicing probability. A man's
    speaking voice sits around 85-155 Hz, a woman's around 165-255 Hz.

    pYIN runs on a 0.25-semitone grid with 20 thresholds (librosa: 0.1 and
    100): six times faster, with the same voicing decision on 98% of frames
    and medians within 0.5 Hz on LibriSpeech readers. Its f0 values are grid
    points, so a steady tone reads within one grid step (a quarter semitone, 1.5%).

    Parameters
    ----------
    pitch_fmin, pitch_fmax : float, default=65.0, 1000.0
        Search range in Hz (C2 to about B5: speech and most singing).
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration, engine
        As in :class:`HPSSFeatures` (``n_fft`` is pYIN's frame length).

    References
    ----------
    .. [1] M. Mauch and S. Dixon, "pYIN: A fundamental frequency estimator
       using probabilistic threshold distributions", Proc. ICASSP, 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import PitchFeatures
    >>> sr = 22050
    >>> voice_like = np.sin(2 * np.pi * 220 * np.arange(sr) / sr).astype(np.float32)
    >>> row = PitchFeatures().fit_transform([voice_like])[0]
    >>> bool(abs(row[2] - 220) < 220 * 0.015), bool(row[5] > 0.9)   # median f0, voiced fraction
    (True, True)
    """

    def __init__(
        self,
        *,
        pitch_fmin=65.0,
        pitch_fmax=1000.0,
        sr=FrontEndConfig.sr,
        n_fft=FrontEndConfig.n_fft,
        hop_length=FrontEndConfig.hop_length,
        kernel_size=FrontEndConfig.kernel_size,
        hpss_power=FrontEndConfig.hpss_power,
        hpss_margin=FrontEndConfig.hpss_margin,
        on_error="raise",
        max_duration=DEFAULT_MAX_DURATION,
        engine="auto",
    ):
        super().__init__(
            sr=sr,
            n_fft=n_fft,
            hop_length=hop_length,
            kernel_size=kernel_size,
            hpss_power=hpss_power,
            hpss_margin=hpss_margin,
            on_error=on_error,
            max_duration=max_duration,
            engine=engine,
        )
        self.pitch_fmin = pitch_fmin
        self.pitch_fmax = pitch_fmax

    def _check_group_params(self, owner=None):
        owner = self if owner is None else owner
        fmin = v.check_real(owner, "pitch_fmin", self.pitch_fmin, minimum=0.0, include_minimum=False)
        fmax = v.check_real(owner, "pitch_fmax", self.pitch_fmax, minimum=0.0, include_minimum=False)
        if fmax <= fmin:
            raise v.fail(owner, "pitch_fmax", f"greater than pitch_fmin={fmin!r}", self.pitch_fmax)
        return {"pitch_fmin": fmin, "pitch_fmax": fmax}

    def _check_analysis(self, config, owner):
        fmin = self._check_group_params(owner)["pitch_fmin"]
        check_below_nyquist(owner, "pitch_fmin", self.pitch_fmin, fmin, config.sr)

    def _smallest_n_fft(self, sr):
        # librosa.pyin warns unless two periods of fmin fit in half a frame: sr / fmin < n_fft // 2.
        fmin = self._check_group_params()["pitch_fmin"]
        why = f"pYIN needs two periods of pitch_fmin={fmin:g} Hz in a frame; or raise pitch_fmin"
        return 2 * (int(sr // fmin) + 1), why

    def _degeneracies(self, config, seconds):
        fmax = self._check_group_params()["pitch_fmax"]
        return above_nyquist("pitch_fmax", fmax, config.sr, "the pitch search stops")

    def feature_names(self):
        self._check_group_params()
        return list(PITCH_FEATURES)

    def feature_descriptions(self):
        f0 = "f0 (pYIN) over voiced frames, Hz; 0 when no frame is voiced"
        return [
            f"mean {f0}",
            f"standard deviation (population) of {f0}",
            f"median {f0}",
            f"10th percentile of {f0}",
            f"90th percentile of {f0}",
            "fraction of frames pYIN marks voiced",
            "mean over frames of pYIN's voicing probability",
        ]

    #: pYIN's Viterbi decoding runs over the whole clip: it cannot stream.
    needs_whole_clip = True

    def _longest_clip(self):
        return PITCH_MAX_SECONDS, (
            "PitchFeatures (pYIN) needs the whole clip at once, about 107 MB per audio-minute; cut the "
            "recording into windows (musicfeat.segments.Segmenter) or leave out the 'pitch' group"
        )

    def accumulator(self, config):
        return _WholeClip(self._pyin_row, config)

    def _pyin_row(self, y, c):
        import warnings

        import librosa

        fmin, fmax = self._check_group_params().values()
        fmax = min(fmax, c.sr / 2)
        if y.size < c.n_fft:  # pYIN needs one whole frame
            y = np.pad(y, (0, c.n_fft - y.size))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="librosa")
            f0, voiced, probability = librosa.pyin(
                y,
                fmin=fmin,
                fmax=fmax,
                sr=c.sr,
                frame_length=c.n_fft,
                hop_length=c.hop_length,
                resolution=0.25,
                n_thresholds=20,
            )
        f0 = f0[voiced & np.isfinite(f0)].astype(np.float64)
        if f0.size:
            stats = [f0.mean(), f0.std(), np.median(f0), np.percentile(f0, 10), np.percentile(f0, 90)]
        else:
            stats = [0.0] * 5  # no voiced frame: no pitch
        return np.array(stats + [voiced.mean(), np.nan_to_num(probability).mean()], dtype=np.float64)


class _WholeClip:
    """The accumulator of a group that needs the whole clip: its one block's samples, then ``row(y, config)``."""

    def __init__(self, row, config):
        self._row, self._config, self._y = row, config, None

    def add(self, block):
        if not (block.is_first and block.is_last):
            raise ValueError("PitchFeatures needs the whole clip as one block (needs_whole_clip)")
        self._y = block.y

    def finish(self):
        return self._row(self._y, self._config)
