"""Numba kernels: the hot path of musicfeat.

This sub-package imports nothing else from musicfeat and nothing from
scikit-learn. Each module pairs a public wrapper that validates its input and
allocates the output with a private kernel that fills it in place, declared
with ``_config.kernel``: compiled by numba on first use and cached in the
user's cache folder (:func:`cache_dir`), never beside the sources. Every
kernel is tested against its reference in ``tests/``
(``tests/naive.py``, scipy, or the librosa function it replaces, for
equality wherever the reference allows it):

- :func:`median_filter_axis`: the two HPSS median filters (= scipy);
- :func:`apply_hpss_masks`: HPSS soft masks (= librosa, bit for bit);
- :func:`rolling_moments`: std, skew, kurtosis of every window (O(N));
- :func:`pick_spectral_peaks`: the tuning estimate's peaks (= librosa.piptrack).

:func:`precompile` compiles them all into the cache now (two processes at
once where it can), rather than on the first extraction.
"""

from ._cache import cache_dir
from ._config import cache_is_warm
from ._precompile import precompile
from .masks import apply_hpss_masks
from .median import median_filter_axis
from .moments import rolling_moments, windowed_moment_means
from .peaks import pick_spectral_peaks

__all__ = [
    "apply_hpss_masks",
    "cache_dir",
    "cache_is_warm",
    "median_filter_axis",
    "pick_spectral_peaks",
    "precompile",
    "rolling_moments",
    "windowed_moment_means",
]
