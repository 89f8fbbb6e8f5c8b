"""A straight line through each harmonic spectrum: its slope and level.

The room of one feature group; the line fit comes from the shared front end
(the windowed moments use it too).
"""

import numpy as np

from ..stats import moments
from ..streaming import FrameSeries
from ._base import ClipTransformer, stat_descriptions, stat_names


class PolyFeatures(ClipTransformer):
    """Slope and level of a line fitted to each harmonic frame (4 features).

    For each frame ``t`` of the harmonic magnitude ``H``, the least-squares
    line over bin frequency ``f_k``,

    .. math::

        a_t = \\frac{\\sum_k (f_k - \\bar f) H_{k,t}}{\\sum_k (f_k - \\bar f)^2},\\qquad
        b_t = \\overline{H_{\\cdot,t}} - a_t \\bar f,

    equals rows 0 and 1 of ``librosa.feature.poly_features(S=H, sr=sr,
    order=1)``. Features: mean and std over frames of the gradient ``a``,
    then of the constant ``b``.

    Parameters
    ----------
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration, engine
        As in :class:`HPSSFeatures`.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import PolyFeatures
    >>> rng = np.random.default_rng(0)
    >>> noise = (0.1 * rng.standard_normal(22050)).astype(np.float32)
    >>> PolyFeatures().fit_transform([noise]).shape
    (1, 4)
    """

    def feature_names(self):
        stats = ("mean", "std")
        return stat_names("poly_gradient", stats) + stat_names("poly_constant", stats)

    def feature_descriptions(self):
        stats = ("mean", "std")
        line = "the least-squares line through each frame of H"
        return stat_descriptions(
            f"slope of {line} (`poly_features(S=H, order=1)[0]`)", stats
        ) + stat_descriptions(f"constant of {line} (`poly_features(S=H, order=1)[1]`)", stats)

    def accumulator(self, config):
        return FrameSeries(lambda block: block.poly, _poly_row)


def _poly_row(poly):
    gradient, constant = poly
    return np.concatenate([moments(gradient)[:2], moments(constant)[:2]])
