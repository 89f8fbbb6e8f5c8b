"""What the groups can work with at an analysis rate: checked once per call, so that no clip is blamed.

The room beside :mod:`musicfeat.groups._base`: the bounds of the analysis
parameters, the check of a plan's frame layout (``n_fft``, the hop, the HPSS
kernel) against what each of its groups needs at the analysis rate, and the
frequency parameters set against half that rate.
"""

from .. import _validation as v
from ..blockwise import N_MELS, mel_filters_cover

#: Analysis rates accepted (Hz). 4 kHz (a 2 kHz band) still holds what the
#: features describe (the 200 Hz octaves of the contrast, the chroma's pitch
#: range, the onsets of tempo); 192 kHz is the highest rate recordings are
#: made at, and analysing above it multiplies memory and time for nothing
#: audible.
SR_RANGE = (4_000, 192_000)
#: Longest STFT frame (samples): 1.5 s at 44.1 kHz, 0.34 s at 192 kHz.
MAX_N_FFT = 2**16
#: Largest overlap ``n_fft / hop_length``: four times the default's 4, so the
#: spectra of a clip hold at most about 8 values per sample each.
MAX_OVERLAP = 16


def check_frames(owner, config, groups):
    """Refuse a frame layout some group cannot work with, naming the parameter of ``owner``.

    ``n_fft`` must be at least what every group needs at ``config.sr`` (the
    largest of their :meth:`~musicfeat.groups.ClipTransformer._smallest_n_fft`);
    the hop at most ``n_fft`` (a longer one skips audio) and at least
    ``n_fft / MAX_OVERLAP``; the HPSS kernel at most the spectrum's bins.
    """
    floors = [(floor, group) for group in groups if (floor := group._smallest_n_fft(config.sr))]
    if floors:
        (n_fft, why), group = max(floors, key=lambda floor: floor[0][0])
        if config.n_fft < n_fft:
            raise v.fail(
                owner,
                "n_fft",
                f"an int of at least {n_fft} at sr={config.sr} ({type(group).__name__}: {why})",
                owner.n_fft,
            )
    smallest_hop = -(-config.n_fft // MAX_OVERLAP)
    if not smallest_hop <= config.hop_length <= config.n_fft:
        raise v.fail(
            owner,
            "hop_length",
            f"an int in the range [{smallest_hop}, {config.n_fft}] at n_fft={config.n_fft} (a hop longer "
            f"than the frame skips audio; one shorter than n_fft / {MAX_OVERLAP} multiplies the spectra's "
            "memory and time)",
            owner.hop_length,
        )
    bins = 1 + config.n_fft // 2
    if config.kernel_size > bins:
        raise v.fail(
            owner,
            "kernel_size",
            f"an int in the range [1, {bins}] at n_fft={config.n_fft} (the median filter along frequency "
            "cannot be longer than the spectrum's bins)",
            owner.kernel_size,
        )


def check_below_nyquist(owner, name, value, hz, sr):
    """Refuse a frequency parameter (``value``, validated as ``hz``) at or above half the analysis rate."""
    if hz >= sr / 2:
        raise v.fail(owner, name, f"a float below half the analysis rate sr={sr} ({sr / 2:g} Hz)", value)


def above_nyquist(name, hz, sr, consequence):
    """``[phrase]`` for a DegenerateFeatureWarning when ``hz`` is above half the rate ``sr``, else ``[]``.

    Examples
    --------
    >>> from musicfeat.groups._frames import above_nyquist
    >>> above_nyquist("band_fmax", 10000.0, 8000, "the bands stop")
    ['band_fmax=10000 Hz is above half the analysis rate sr=8000, so the bands stop at 4000 Hz']
    """
    if hz <= sr / 2:
        return []
    return [f"{name}={hz:g} Hz is above half the analysis rate sr={sr}, so {consequence} at {sr / 2:g} Hz"]


def smallest_n_fft(works, sr):
    """The smallest ``n_fft`` with ``works(sr, n_fft)``, for a need that longer frames only help.

    Doubling finds a frame that works, bisection the smallest;
    ``MAX_N_FFT + 1`` when no frame up to :data:`MAX_N_FFT` does.

    Examples
    --------
    >>> from musicfeat.groups._frames import smallest_n_fft
    >>> smallest_n_fft(lambda sr, n_fft: sr / n_fft <= 200, 22050)
    111
    """
    high = 2
    while not works(sr, high):
        if high > MAX_N_FFT:
            return MAX_N_FFT + 1
        high *= 2
    low = high // 2  # fails, or is the floor 1
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if works(sr, middle) else (middle, high)
    return high


def smallest_mel_n_fft(sr, n_mels=N_MELS):
    """The shortest STFT frame at ``sr`` whose bins reach each of ``n_mels`` mel filters (:func:`~musicfeat.blockwise.mel_filters_cover`).

    Examples
    --------
    >>> from musicfeat.groups._frames import smallest_mel_n_fft
    >>> smallest_mel_n_fft(22050) <= 512 < 2048
    True
    """
    return smallest_n_fft(lambda rate, n_fft: mel_filters_cover(rate, n_fft, n_mels), sr)


class MFCCParameter:
    """What the groups with an ``n_mfcc`` parameter share: its check, and the STFT frame their mel filters need.

    Mixed in before :class:`~musicfeat.groups.ClipTransformer` by the MFCC,
    harmonic/percussive MFCC, VLAD and Gaussian-timbre groups, whose MFCCs
    all come from :data:`~musicfeat.blockwise.N_MELS` mel bands. A group
    with more parameters extends :meth:`_check_group_params`.
    """

    def _check_group_params(self, owner=None):
        owner = self if owner is None else owner
        return {"n_mfcc": v.check_int(owner, "n_mfcc", self.n_mfcc, minimum=1, maximum=N_MELS)}

    def _smallest_n_fft(self, sr):
        return smallest_mel_n_fft(sr), f"each of the {N_MELS} mel filters of the MFCCs needs an STFT bin"


class MelBandsParameter:
    """What the groups with an ``n_mels`` parameter share: the STFT frame each of their mel filters needs.

    Mixed in before :class:`~musicfeat.groups.ClipTransformer` by the
    spectral-covariance and block-pattern groups, whose
    :meth:`_check_group_params` validates ``n_mels``.
    """

    def _smallest_n_fft(self, sr):
        n_mels = self._check_group_params()["n_mels"]
        return smallest_mel_n_fft(sr, n_mels), f"each of its {n_mels} mel filters needs an STFT bin"
