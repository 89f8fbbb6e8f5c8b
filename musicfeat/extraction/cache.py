"""The ``memory=`` cache of a clip held whole: each group's data, keyed on what changes it.

The cached unit is each group's data of one clip (before a learning group
encodes it), keyed on the clip's samples, the analysis, the groups unfitted
(every parameter that changes a value, in canonical form: ``[4, 11, 24]`` and
``(4, 11, 24)`` are one key) and the versions. How a clip is run (``engine``,
``max_duration``, ``on_error``, ``n_jobs``, ``memory``) is not in the key, nor
what a group learnt: one cached analysis serves ``fit`` and ``transform``,
with any codebook and any engine. Streamed clips are not cached (their
samples are never held).

Beneath it, the harmonic/percussive separation of each clip (``H`` and
``P``, the median filters that are most of a clip's analysis) is cached
too, keyed on the samples and the front end's parameters only, so that a
grid search over a group's parameter (``n_mfcc``, ``band_counts``) separates
each clip once per front-end setting: 21 MB per audio-minute at the default
analysis (two float32 arrays of 1025 bins x 2584 frames), beside each
group's data (a few KB per clip for the 419). ``S`` is computed again (one
STFT, a tenth of the separation's time), bit for bit the same.
"""

from functools import cached_property

from sklearn.base import clone

from ..frontend import Spectra
from .runner import whole_clip_data

__all__ = ["CachedWhole"]


def _cached_data(groups, config, y, feature_set_version, package_version, spectra=None):
    # The versions are arguments only so that they are part of the key; spectra
    # (left out of the key) reads its separation from the cache below.
    return whole_clip_data(groups, spectra if spectra is not None else Spectra(y, config))


def _separation(config, y, package_version, spectra=None):
    """``(H, P)`` of one clip: the unit of the front end's cache (``spectra``, left out of the key, lends its ``S``)."""
    source = spectra if spectra is not None else Spectra(y, config)
    return Spectra._harmonic_percussive.func(source)  # the separation itself, on the clip's one S


class _CachedSeparation(Spectra):
    """A :class:`~musicfeat.Spectra` whose ``H`` and ``P`` come from the ``memory=`` cache, when a group reads them."""

    def __init__(self, y, config, separation):
        super().__init__(y, config)
        self._separation = separation

    @cached_property
    def _harmonic_percussive(self):
        return self._separation(self)


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
        package_version = self.versions[1]
        separation = self.memory.cache(_separation, ignore=["spectra"])
        spectra = _CachedSeparation(
            y, config, lambda s: separation(s.config, s.y, package_version, spectra=s)
        )
        cached = self.memory.cache(_cached_data, ignore=["spectra"])
        return cached(unfitted, config, y, *self.versions, spectra=spectra)
