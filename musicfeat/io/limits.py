"""The bounds every clip is held to before anything is allocated: its sample rate and its duration.

A file's header, or a ``(waveform, rate)`` pair, says how many samples a
clip will take once decoded and resampled; these checks refuse what no
analysis could use (a 1 Hz header, a rate of 10^15) or what would hold
gigabytes (a header declaring days of audio) before a sample is decoded.
"""

from numbers import Integral, Real

import numpy as np

__all__ = [
    "SAMPLE_RATE_RANGE",
    "DEFAULT_MAX_DURATION",
    "RES_TYPE",
    "rate_problem",
    "duration_problem",
    "check_sr",
]

#: Sample rates (Hz) accepted for files and ``(waveform, rate)`` pairs. 1 kHz
#: is below any recording format in use (telephony is 8 kHz) but keeps slow
#: sensor and bioacoustic data; 768 kHz is the highest rate of studio
#: formats (DXD and 768 kHz PCM). Outside, a rate is a corrupt header or a
#: mistake, and resampling from it would take hours or gigabytes.
SAMPLE_RATE_RANGE = (1_000, 768_000)

#: Default ``max_duration`` (seconds): four hours, longer than any album or
#: concert recording, short enough that one clip cannot exhaust a machine.
DEFAULT_MAX_DURATION = 4 * 3600.0

#: Resampler of the spec (librosa's default).
RES_TYPE = "soxr_hq"


def check_sr(sr, caller):
    """Refuse a target rate outside :data:`SAMPLE_RATE_RANGE` (a programming error: ValueError)."""
    low, high = SAMPLE_RATE_RANGE
    if isinstance(sr, (bool, np.bool_)) or not isinstance(sr, Integral) or not low <= sr <= high:
        raise ValueError(f"{caller}: sr must be an int in the range [{low}, {high}]; got {sr!r}.")


def rate_problem(rate):
    """Why ``rate`` cannot be a clip's sample rate, or None when it can.

    Examples
    --------
    >>> from musicfeat.io.limits import rate_problem
    >>> rate_problem(44100) is None
    True
    >>> rate_problem(1)
    'its sample rate 1 Hz is outside the range musicfeat reads (1000 Hz to 768000 Hz)'
    """
    if not isinstance(rate, Real) or isinstance(rate, (bool, np.bool_)) or not np.isfinite(rate):
        return f"its sample rate must be a finite number of Hz; got {rate!r}"
    low, high = SAMPLE_RATE_RANGE
    if not low <= rate <= high:
        return f"its sample rate {rate:g} Hz is outside the range musicfeat reads ({low} Hz to {high} Hz)"
    return None


def duration_problem(n_frames, rate, max_duration):
    """Why a clip of ``n_frames`` samples at ``rate`` Hz is too long, or None.

    Examples
    --------
    >>> from musicfeat.io.limits import duration_problem
    >>> duration_problem(44100 * 7200, 44100, 3600.0)
    'it lasts 7200 s (2.0 h), longer than max_duration=3600 s; raise max_duration (None for no limit) to analyse it'
    """
    if max_duration is None or n_frames <= max_duration * rate:
        return None
    seconds = n_frames / rate
    return (
        f"it lasts {seconds:.0f} s ({seconds / 3600:.1f} h), longer than max_duration={max_duration:g} s; "
        "raise max_duration (None for no limit) to analyse it"
    )
