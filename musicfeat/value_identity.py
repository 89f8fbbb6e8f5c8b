"""What changes an extractor's values: one definition, for fitted state, resume and the cache.

An extractor's parameters are of two kinds. Those that change *what* is
computed (the front end, the feature set, a group's sizes, the seed of a
codebook) name its values; those that change only *how* it is computed
(:data:`HOW_PARAMS`: the engine, the longest file accepted, worker
processes, the error policy, the cache) do not: a resume that changes them
is accepted, and a cached row or a saved codebook survives them.

:func:`value_params` is that set of parameters in canonical JSON form
(``(4, 11, 24)`` and ``[4, 11, 24]`` are one value), read by
:meth:`~musicfeat.MusicFeatures.save_fitted` and
:meth:`~musicfeat.MusicFeatures.load_fitted`; :func:`value_digest` names
it in 16 hex digits, the ``params_digest`` column of a table.
:func:`accepted_digests` also recognises the digest that tables written
before this module carry (computed with ``engine`` and ``max_duration``),
so that those tables stay resumable.
"""

import hashlib
import json

import numpy as np

__all__ = [
    "HOW_PARAMS",
    "value_params",
    "value_signature",
    "value_digest",
    "accepted_digests",
    "legacy_digest",
]

#: Parameters that change how the values are computed, never what they are.
HOW_PARAMS = frozenset({"engine", "max_duration", "n_jobs", "on_error", "memory"})

#: What tables and fitted files written before this module left out of their
#: digest and signature (they kept ``engine`` and ``max_duration`` in).
_LEGACY_EXCLUDED = ("memory", "n_jobs", "on_error")

#: The engines a legacy digest may have been computed with.
_ENGINES = ("auto", "stream", "whole")


def _canonical(value):
    """``value`` as plain JSON values: sequences as lists, numpy scalars and arrays as Python's, an estimator as its class and parameters."""
    if isinstance(value, (tuple, list)):
        return [_canonical(item) for item in value]
    if isinstance(value, np.ndarray):
        return _canonical(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if hasattr(value, "get_params") and not isinstance(
        value, type
    ):  # a group of groups=: its class and parameters
        kind = type(value)
        return {
            "class": f"{kind.__module__}.{kind.__qualname__}",
            "params": _canonical(value.get_params(deep=False)),
        }
    return value


def value_params(estimator):
    """The parameters of ``estimator`` that change its values, in canonical JSON-able form.

    Every parameter of ``get_params()`` but :data:`HOW_PARAMS`;
    tuples and numpy arrays become lists, numpy scalars Python numbers.

    Parameters
    ----------
    estimator : MusicFeatures or another scikit-learn estimator

    Returns
    -------
    dict

    Examples
    --------
    >>> from musicfeat import MusicFeatures
    >>> from musicfeat.value_identity import value_params
    >>> params = value_params(MusicFeatures(band_counts=(4, 11, 24), engine="whole"))
    >>> params["band_counts"], "engine" in params
    ([4, 11, 24], False)
    """
    params = estimator.get_params()
    return {k: _canonical(v) for k, v in sorted(params.items()) if k not in HOW_PARAMS}


def value_signature(estimator):
    """What an extractor's values depend on: its feature-set version and :func:`value_params`.

    Recorded beside a table (its ``.meta.json``, checked on resume) and in a
    fitted-state file (checked by ``load_fitted``).

    Examples
    --------
    >>> from musicfeat import MusicFeatures
    >>> from musicfeat.value_identity import value_signature
    >>> value_signature(MusicFeatures())["feature_set_version"]
    '419.1'
    """
    return {"feature_set_version": estimator._feature_set().version, "params": value_params(estimator)}


def _digest_off_defaults(mine, defaults):
    """16 hex digits of the parameters of ``mine`` that are not at ``defaults``."""
    changed = {k: v for k, v in mine.items() if k not in defaults or defaults[k] != v}
    text = json.dumps(changed, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def value_digest(estimator):
    """16 hex digits naming ``estimator``'s values: the digest of its :func:`value_params` off their defaults.

    Only the parameters that differ from their class's defaults count (the
    defaults belong to the feature-set version, recorded beside it), so that
    a parameter added by a later musicfeat, at its default, keeps old tables
    resumable.

    Examples
    --------
    >>> from musicfeat import MusicFeatures
    >>> from musicfeat.value_identity import value_digest
    >>> value_digest(MusicFeatures()) == value_digest(MusicFeatures(engine="whole", max_duration=60))
    True
    >>> value_digest(MusicFeatures()) == value_digest(MusicFeatures(hop_length=256))
    False
    """
    return _digest_off_defaults(value_params(estimator), value_params(type(estimator)()))


def _legacy_params(estimator, overrides=None):
    """The parameters as tables before :mod:`musicfeat.value_identity` digested them (tuples as lists only)."""
    params = {k: v for k, v in estimator.get_params().items() if k not in _LEGACY_EXCLUDED}
    params.update(overrides or {})
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def legacy_digest(estimator, **overrides):
    """The ``params_digest`` an earlier musicfeat gave ``estimator`` (``engine`` and ``max_duration`` in it).

    ``overrides`` replace parameters first: the ``engine`` or
    ``max_duration`` a table was written with.
    """
    return _digest_off_defaults(_legacy_params(estimator, overrides), _legacy_params(type(estimator)()))


def accepted_digests(estimator, recorded=None):
    """The ``params_digest`` values of rows whose values ``estimator`` would compute alike.

    The digest of today (:func:`value_digest`), and those an earlier
    musicfeat wrote, which held ``engine`` and ``max_duration``: computed
    with each engine, and with the ``max_duration`` of this extractor, of
    its class's default and of ``recorded`` (the parameters of the table's
    metadata file, when it has one). A table of an earlier musicfeat is
    then resumable whatever engine or longest duration it was written
    with, as long as its values' parameters are these.

    Parameters
    ----------
    estimator : MusicFeatures
    recorded : dict, optional
        The ``params`` of the table's metadata file.

    Returns
    -------
    frozenset of str

    Examples
    --------
    >>> from musicfeat import MusicFeatures
    >>> from musicfeat.value_identity import accepted_digests, legacy_digest
    >>> old = legacy_digest(MusicFeatures(engine="whole", max_duration=60.0))
    >>> old in accepted_digests(MusicFeatures(), recorded={"engine": "whole", "max_duration": 60.0})
    True
    >>> old in accepted_digests(MusicFeatures(hop_length=256), recorded={"max_duration": 60.0})
    False
    """
    recorded = recorded if isinstance(recorded, dict) else {}
    params = estimator.get_params()
    digests = {value_digest(estimator)}
    if "engine" not in params:  # not an extractor of an earlier musicfeat's tables
        return frozenset(digests)
    engines = [*_ENGINES, params["engine"], recorded.get("engine")]
    durations = [params.get("max_duration"), type(estimator)().get_params().get("max_duration")]
    durations.append(recorded.get("max_duration"))
    for engine in dict.fromkeys(e for e in engines if isinstance(e, str)):
        for duration in dict.fromkeys(d for d in durations if d is None or isinstance(d, (int, float))):
            digests.add(legacy_digest(estimator, engine=engine, max_duration=duration))
    return frozenset(digests)
