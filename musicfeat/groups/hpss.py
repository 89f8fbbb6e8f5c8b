"""Energy of the harmonic and percussive parts: the first group of the 419.

The room of one feature group; the RMS series come from the shared front end.
"""

import numpy as np

from ..stats import MOMENT_NAMES, moments
from ..streaming import FrameSeries
from ._base import ClipTransformer, stat_descriptions, stat_names


class HPSSFeatures(ClipTransformer):
    """RMS energy of the harmonic and percussive components (8 features).

    The magnitude spectrogram is split by median filtering (Fitzgerald 2010,
    :func:`musicfeat.frontend.hpss`) into harmonic ``H`` and percussive ``P``;
    per frame, the RMS energy is that of ``librosa.feature.rms(S=X,
    frame_length=n_fft)``:

    .. math:: \\mathrm{rms}_t = \\sqrt{\\frac{2}{N^2} \\sum_k w_k |X_{k,t}|^2}

    with ``N = n_fft`` and ``w_k = 1/2`` at DC and Nyquist, 1 elsewhere.
    Features: mean, std, skew and kurtosis over frames of the percussive
    series, then of the harmonic one.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate the audio is analysed at (files are resampled to it).
    n_fft : int, default=2048
        STFT frame length.
    hop_length : int, default=512
        STFT hop in samples.
    kernel_size : int, default=31
        Length of the HPSS median filters (frames and bins).
    hpss_power : float, default=2.0
        Exponent of the HPSS soft masks.
    hpss_margin : float, default=1.0
        HPSS margin (>= 1).
    on_error : {'raise', 'nan'}, default='raise'
        On a clip that cannot be analysed, raise
        :class:`~musicfeat.InvalidAudioError`, or warn
        (:class:`~musicfeat.ExtractionWarning`) and give it a row of NaN.
    max_duration : float or None, default=14400.0
        Longest clip accepted, in seconds (4 hours); None for no limit. A
        file's header is checked against it before the file is decoded.
    engine : {'auto', 'stream', 'whole'}, default='auto'
        Analyse each clip a block of frames at a time (``'stream'``, memory
        flat in the clip's length) or held whole (``'whole'``); ``'auto'``
        streams files longer than 300 s. The features are the same.

    See Also
    --------
    MusicFeatures : all 419 features with one shared analysis per clip.

    References
    ----------
    .. [1] D. Fitzgerald, "Harmonic/percussive separation using median
       filtering", Proc. DAFx, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import HPSSFeatures
    >>> sr = 22050
    >>> t = np.arange(2 * sr) / sr
    >>> tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    >>> hp = HPSSFeatures().fit_transform([tone])
    >>> list(HPSSFeatures().get_feature_names_out()[[0, 4]])
    ['rms_percussive_mean', 'rms_harmonic_mean']
    >>> bool(hp[0, 4] > 10 * hp[0, 0])   # a steady tone is harmonic
    True
    """

    def feature_names(self):
        return stat_names("rms_percussive", MOMENT_NAMES) + stat_names("rms_harmonic", MOMENT_NAMES)

    def feature_descriptions(self):
        return stat_descriptions(
            "RMS energy of the percussive part P (`librosa.feature.rms(S=P, frame_length=n_fft)`)",
            MOMENT_NAMES,
        ) + stat_descriptions(
            "RMS energy of the harmonic part H (`librosa.feature.rms(S=H, frame_length=n_fft)`)", MOMENT_NAMES
        )

    def accumulator(self, config):
        return FrameSeries(
            lambda block: (block.rms_percussive, block.rms_harmonic),
            lambda percussive, harmonic: np.concatenate([moments(percussive), moments(harmonic)]),
        )
