"""Numba kernels: the hot path of musicfeat.

This sub-package imports nothing else from musicfeat and nothing from
scikit-learn. Each module pairs a public wrapper that validates its input and
allocates the output with a private ``@njit(cache=True)`` kernel that fills it
in place. Every kernel is tested against a numpy/scipy reference in
``tests/naive.py``.
"""

from .masks import apply_hpss_masks
from .median import median_filter_axis
from .moments import rolling_moments, windowed_moment_means
from .peaks import pick_spectral_peaks

__all__ = [
    "apply_hpss_masks",
    "median_filter_axis",
    "pick_spectral_peaks",
    "rolling_moments",
    "windowed_moment_means",
]
