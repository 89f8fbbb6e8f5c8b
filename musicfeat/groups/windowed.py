"""How four frame series move within sliding time windows: their windowed moments.

The room of one feature group; the rolling moments are a numba kernel
(:func:`musicfeat.kernels.windowed_moment_means`).
"""

import numpy as np

from .. import _validation as v
from ..frontend import FrontEndConfig
from ..kernels import windowed_moment_means
from ..streaming import FrameSeries
from ._base import DEFAULT_MAX_DURATION, ClipTransformer

DEFAULT_WINDOW_SECONDS = (0.5, 1, 3, 5)
SERIES = ("poly_gradient", "poly_constant", "harmonic", "percussive")
_SERIES_WORDS = {
    "poly_gradient": "poly_gradient series",
    "poly_constant": "poly_constant series",
    "harmonic": "harmonic RMS series",
    "percussive": "percussive RMS series",
}
_STAT_WORDS = {"std": "std", "skew": "skewness", "kurtosis": "excess kurtosis"}


def window_frames(seconds, sr, hop_length):
    """Frames in a window of ``seconds``: ``max(2, round(seconds * sr / hop_length))``.

    Rounds half to even, as Python's ``round``.
    """
    return max(2, round(seconds * sr / hop_length))


def window_label(seconds):
    """``win{milliseconds}ms``, the name prefix of one window width."""
    return f"win{round(seconds * 1000)}ms"


class WindowedStats(ClipTransformer):
    """How the spectral line and the energies move within short windows (48 features).

    Four frame series: the gradient and constant of :class:`PolyFeatures`,
    and the harmonic and percussive RMS of :class:`HPSSFeatures`. For each
    width ``w`` in ``window_seconds``, windows of
    ``W = max(2, round(w * sr / hop_length))`` frames start at every frame
    (one window, the whole series, when it is shorter than ``W``); in each
    the std, skew and excess kurtosis are taken (a degenerate window counts
    with skew and kurtosis 0), and each feature is the mean over windows.
    The rolling moments are an O(N) numba kernel
    (:func:`musicfeat.kernels.rolling_moments`).

    Names: ``win{ms}ms_{series}_{std,skew,kurtosis}``, ordered by width,
    series, statistic; ``12 * len(window_seconds)`` in all (48 by default).

    Parameters
    ----------
    window_seconds : sequence of float, default=(0.5, 1, 3, 5)
        Window widths in seconds; distinct once rounded to milliseconds.
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration, engine
        As in :class:`HPSSFeatures`.

    Examples
    --------
    >>> from musicfeat import WindowedStats
    >>> names = WindowedStats(window_seconds=(0.25,)).get_feature_names_out()
    >>> [str(n) for n in names[:3]]
    ['win250ms_poly_gradient_std', 'win250ms_poly_gradient_skew', 'win250ms_poly_gradient_kurtosis']
    """

    def __init__(
        self,
        *,
        window_seconds=DEFAULT_WINDOW_SECONDS,
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
        self.window_seconds = window_seconds

    def _check_group_params(self, owner=None):
        owner = self if owner is None else owner
        seconds = v.check_tuple_of(
            owner,
            "window_seconds",
            self.window_seconds,
            lambda w: v.check_real(owner, "window_seconds", w, minimum=0.0005),
            "window widths in seconds (at least 0.0005)",
        )
        labels = [window_label(w) for w in seconds]
        if len(set(labels)) != len(labels):
            raise v.fail(
                owner,
                "window_seconds",
                "a sequence of widths that differ in milliseconds",
                self.window_seconds,
            )
        return {"window_seconds": seconds}

    def _degeneracies(self, config, seconds):
        if not seconds.size:
            return []
        longest_clip = 1 + int(round(seconds.max() * config.sr)) // config.hop_length  # its frames
        whole = [
            w
            for w in self._check_group_params()["window_seconds"]
            if window_frames(w, config.sr, config.hop_length) >= longest_clip
        ]
        if not whole:
            return []
        widths = ", ".join(f"{w:g} s" for w in whole)
        return [
            f"window_seconds: every clip of the call is shorter than the {widths} window"
            f"{'s' if len(whole) > 1 else ''}, whose moments are then each whole clip's"
        ]

    def feature_names(self):
        return [
            f"{window_label(w)}_{series}_{stat}"
            for w in self._check_group_params()["window_seconds"]
            for series in SERIES
            for stat in ("std", "skew", "kurtosis")
        ]

    def feature_descriptions(self):
        return [
            f"{_STAT_WORDS[stat]} of the {_SERIES_WORDS[series]} in every {round(w * 1000)} ms window, "
            "averaged over windows"
            for w in self._check_group_params()["window_seconds"]
            for series in SERIES
            for stat in ("std", "skew", "kurtosis")
        ]

    def accumulator(self, config):
        widths = [
            window_frames(w, config.sr, config.hop_length)
            for w in self._check_group_params()["window_seconds"]
        ]

        def finish(gradient, constant, harmonic, percussive):
            series = (gradient, constant, harmonic, percussive)
            return np.concatenate([windowed_moment_means(s, width) for width in widths for s in series])

        return FrameSeries(
            lambda block: (block.poly[0], block.poly[1], block.rms_harmonic, block.rms_percussive), finish
        )
