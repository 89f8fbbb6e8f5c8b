"""The ``memory=`` cache of a clip held whole: each group's data, keyed on what changes it.

The cached unit is each group's data of one clip (before a learning group
encodes it), keyed on the clip's samples, the analysis, the groups unfitted
(every parameter that changes a value, in canonical form: ``[4, 11, 24]`` and
``(4, 11, 24)`` are one key) and the versions. How a clip is run (``engine``,
``max_duration``, ``on_error``, ``n_jobs``, ``memory``) is not in the key, nor
what a group learnt: one cached analysis serves ``fit`` and ``transform``,
with any codebook and any engine. Streamed clips are not cached (their
samples are never held).
"""

from sklearn.base import clone

from ..frontend import Spectra
from .runner import whole_clip_data

__all__ = ["CachedWhole"]


def _cached_data(groups, config, y, feature_set_version, package_version):
    # The versions are arguments only so that they are part of the key.
    return whole_clip_data(groups, Spectra(y, config))


class CachedWhole:
    """``whole(groups, config, y)`` for the runner, through a :class:`joblib.Memory` (picklable).

    Parameters
    ----------
    memory : joblib.Memory
    feature_set_version, package_version : str
        Part of the key.
    """

    def __init__(self, memory, feature_set_version, package_version):
        self.memory = memory
        self.versions = feature_set_version, package_version

    def __call__(self, groups, config, y):
        unfitted = tuple(clone(group) for group in groups)  # a clip's data comes before what is learnt
        return self.memory.cache(_cached_data)(unfitted, config, y, *self.versions)
