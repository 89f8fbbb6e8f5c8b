"""Mel-frequency cepstral coefficients: the timbre summary of speech research (not in the 419).

The room of one feature group. The mel spectrogram of S is computed here
once per clip (:func:`mel_spectrogram`, kept in the clip's
:class:`~musicfeat.Spectra` for any other group that wants it).
"""

import numpy as np

from ..blockwise import mel_power
from ..frontend import FrontEndConfig
from ..stats import MOMENT_DESCRIPTIONS, moments_by_row
from ..streaming import DecibelStore, join_series
from ._base import DEFAULT_MAX_DURATION, ClipTransformer
from ._frames import MFCCParameter


def mel_spectrogram(spectra):
    """``librosa.feature.melspectrogram(S=S**2, sr=sr)`` of a clip, computed once per clip.

    Parameters
    ----------
    spectra : Spectra

    Returns
    -------
    np.ndarray [shape=(128, t), dtype=float32]
        Power in 128 mel bands (Slaney) per frame.
    """
    return spectra.memo("mfcc.mel_spectrogram", _mel_spectrogram)


def _mel_spectrogram(spectra):
    c = spectra.config
    return mel_power(spectra.S, c.sr, c.n_fft)


class MFCCFeatures(MFCCParameter, ClipTransformer):
    """Mean and std over frames of the first ``n_mfcc`` MFCCs (``2 * n_mfcc`` features).

    ``librosa.feature.mfcc(S=power_to_db(melspectrogram(S=S**2, sr=sr)),
    n_mfcc=n_mfcc)``: the DCT (type 2, orthonormal) of the log power in 128
    mel bands of the magnitude spectrogram ``S``. Coefficient 0 follows
    loudness, the next ones the spectral envelope: the vocal tract for
    speech, the instrument for music. They separate voices and speech from
    music far better than band energies do on short segments.

    Parameters
    ----------
    n_mfcc : int, default=20
        Number of coefficients, at most the 128 mel bands.
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration, engine
        As in :class:`HPSSFeatures`.

    References
    ----------
    .. [1] S. Davis and P. Mermelstein, "Comparison of parametric
       representations for monosyllabic word recognition in continuously
       spoken sentences", IEEE Trans. ASSP 28(4), 1980.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import MFCCFeatures
    >>> noise = (0.1 * np.random.default_rng(0).standard_normal(22050)).astype(np.float32)
    >>> MFCCFeatures(n_mfcc=13).fit_transform([noise]).shape
    (1, 26)
    """

    def __init__(
        self,
        *,
        n_mfcc=20,
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
        self.n_mfcc = n_mfcc

    def feature_names(self):
        n = self._check_group_params()["n_mfcc"]
        return [f"mfcc{i}_{stat}" for stat in ("mean", "std") for i in range(n)]

    def feature_descriptions(self):
        n = self._check_group_params()["n_mfcc"]
        return [
            f"MFCC {i} of the log mel power of S (`librosa.feature.mfcc`), {MOMENT_DESCRIPTIONS[stat]}"
            for stat in ("mean", "std")
            for i in range(n)
        ]

    def accumulator(self, config):
        return _MFCCAccumulator(config, self._check_group_params()["n_mfcc"])


class _MFCCAccumulator:
    """The MFCC group's stream accumulator: mel levels of S per block; the DCT once the dB floor is known.

    ``power_to_db`` floors the levels 80 dB under the clip's maximum, so each
    block's levels are kept (:class:`~musicfeat.streaming.DecibelStore`, 1.3 MB
    per audio-minute) and transformed frame by frame at the end.
    """

    def __init__(self, config, n_mfcc):
        self.config, self.n_mfcc = config, n_mfcc
        self.levels = DecibelStore()

    def close(self):
        self.levels.close()

    def add(self, block):
        c = self.config
        self.levels.append(block.memo("mfcc.mel_s", lambda b: mel_power(b.S, c.sr, c.n_fft)))

    def finish(self):
        import librosa

        parts = [librosa.feature.mfcc(S=db, n_mfcc=self.n_mfcc) for db in self.levels.blocks()]
        stats = moments_by_row(join_series(parts))
        return np.concatenate([stats[:, 0], stats[:, 1]])
