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


def moved_names(old_module, new_homes):
    """A module ``__getattr__`` that still serves names that moved, with a FutureWarning.

    Parameters
    ----------
    old_module : str
        The module the names were in, as users import it.
    new_homes : dict of str to str
        Name -> the module it lives in now (imported only when asked for).

    Returns
    -------
    callable
        To assign to the old module's ``__getattr__``.
    """
    import importlib

    def __getattr__(name):
        if name not in new_homes:
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        warn_deprecated(f"{old_module}.{name}", f"{new_homes[name]}.{name}")
        return getattr(importlib.import_module(new_homes[name]), name)

    return __getattr__
