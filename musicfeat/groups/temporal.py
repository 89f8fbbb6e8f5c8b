"""Deprecated: ``ZeroCrossingFeatures`` moved to :mod:`musicfeat.groups.zero_crossings`.

Importing a name from here still works, with a FutureWarning, until the
removal release of :mod:`musicfeat._deprecation`.
"""

from .._deprecation import moved_names

__getattr__ = moved_names(
    __name__,
    dict.fromkeys(
        ("ZeroCrossingFeatures", "zero_crossing_rate", "ZERO_THRESHOLD"), "musicfeat.groups.zero_crossings"
    ),
)
