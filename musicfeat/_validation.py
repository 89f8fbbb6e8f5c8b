"""Parameter checks with scikit-learn's wording: a leaf helper of every estimator.

"The 'x' parameter of Cls must be ... Got ... instead." (as
``sklearn.utils._param_validation``, whose API is private). ``owner`` is
the estimator the user configured: its class names the error, so a group
built by :class:`~musicfeat.MusicFeatures` from its parameters reports them
as MusicFeatures' own.
"""

from numbers import Integral, Real

import numpy as np


def fail(owner, name, expectation, value):
    """The error for parameter ``name`` of ``owner``: it must be ``expectation``, it is ``value``."""
    return ValueError(
        f"The {name!r} parameter of {type(owner).__name__} must be {expectation}. Got {value!r} instead."
    )


def check_int(owner, name, value, *, minimum, maximum=None):
    """``int(value)`` for an integer in ``[minimum, maximum]``."""
    ok = isinstance(value, Integral) and not isinstance(value, (bool, np.bool_)) and value >= minimum
    if not ok or maximum is not None and value > maximum:
        raise fail(
            owner,
            name,
            f"an int in the range [{minimum}, {'inf)' if maximum is None else f'{maximum}]'}",
            value,
        )
    return int(value)


def check_real(owner, name, value, *, minimum, include_minimum=True, allow_none=False):
    """``float(value)`` for a finite number above ``minimum`` (or None, when allowed)."""
    if allow_none and value is None:
        return None
    ok = isinstance(value, Real) and not isinstance(value, (bool, np.bool_)) and np.isfinite(value)
    if ok:
        ok = value >= minimum if include_minimum else value > minimum
    if not ok:
        bracket = "[" if include_minimum else "("
        none = " or None" if allow_none else ""
        raise fail(owner, name, f"a float in the range {bracket}{minimum}, inf){none}", value)
    return float(value)


def check_options(owner, name, value, options):
    if not isinstance(value, str) or value not in options:
        raise fail(owner, name, "a str among {" + ", ".join(repr(o) for o in options) + "}", value)
    return value


def check_tuple_of(owner, name, value, check_item, description):
    """A non-empty tuple/list of items passing ``check_item``, without duplicates."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise fail(owner, name, f"a non-empty sequence of {description}", value)
    items = list(value)
    try:
        checked = tuple(check_item(v) for v in items)
    except (TypeError, ValueError):
        raise fail(owner, name, f"a non-empty sequence of {description}", value) from None
    if not checked or len(set(checked)) != len(checked):
        raise fail(owner, name, f"a non-empty sequence of distinct {description}", value)
    return checked
