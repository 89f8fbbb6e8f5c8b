"""Deprecation warnings: one wording and one schedule for every renamed or moved public name.

A name deprecated here keeps working for one minor version with a
:class:`FutureWarning` (shown to end users, unlike ``DeprecationWarning``),
then goes.
"""

import warnings

#: The release that deprecates, and the one that removes.
DEPRECATED_IN = "0.2"
REMOVED_IN = "0.3"


def warn_deprecated(old, new, *, stacklevel=3):
    """Warn that ``old`` is deprecated in favour of ``new`` (both as the user writes them)."""
    warnings.warn(
        f"{old} is deprecated since musicfeat {DEPRECATED_IN} and will be removed in {REMOVED_IN}; "
        f"use {new} instead.",
        FutureWarning,
        stacklevel=stacklevel,
    )
