"""Deprecated: ``ZeroCrossingFeatures`` moved to :mod:`musicfeat.groups.zero_crossings`.

Importing a name from here still works, with a FutureWarning, until the
removal release of :mod:`musicfeat._deprecation`.
"""

from .._deprecation import warn_deprecated

_MOVED = ("ZeroCrossingFeatures", "zero_crossing_rate", "ZERO_THRESHOLD")


def __getattr__(name):
    if name in _MOVED:
        from . import zero_crossings

        warn_deprecated(f"musicfeat.groups.temporal.{name}", f"musicfeat.groups.zero_crossings.{name}")
        return getattr(zero_crossings, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
