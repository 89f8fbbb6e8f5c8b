"""The collector of outcomes: every clip's result or error, in order, and the ``on_error`` policy.

Clips are run here or in joblib worker processes (``n_jobs``); a worker
returns its clip's :class:`~musicfeat.InvalidAudioError` rather than raising
it, so that the caller alone applies ``on_error`` (and its warnings reach the
user). One BLAS thread per clip: the values then do not depend on the
machine's BLAS threading, and parallel clips do not oversubscribe the cores.
"""

import warnings

import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from .._stacklevel import external_stacklevel
from ..exceptions import DegenerateFeatureWarning, ExtractionWarning, InvalidAudioError

__all__ = ["clip_outcome", "clip_outcomes", "collect_rows", "kept_for_fit", "warn_degenerate"]


def clip_outcome(run, item, index):
    """``(run(item, index), None)``, or ``(None, error)`` for a clip that failed."""
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            return run(item, index), None
    except InvalidAudioError as error:
        return None, error


def clip_outcomes(run, items, n_jobs=None):
    """:func:`clip_outcome` of every item, in order: here, or in ``n_jobs`` worker processes.

    ``run`` must pickle (a module-level function, or a partial of one) when
    ``n_jobs`` asks for workers.
    """
    if n_jobs in (None, 1):
        return (clip_outcome(run, item, index) for index, item in enumerate(items))
    return Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(clip_outcome)(run, item, index) for index, item in enumerate(items)
    )


def _nan_row_or_raise(error, plan):
    if plan.on_error == "raise":
        raise error
    warnings.warn(f"{error}; its features are NaN.", ExtractionWarning, stacklevel=external_stacklevel())
    return np.full(len(plan.names), np.nan)


def collect_rows(plan, outcomes, n_items):
    """The ``(n_items, n_features)`` array of the clips' rows (``Clip.value``), ``on_error`` applied.

    Returns
    -------
    X : np.ndarray
    seconds : np.ndarray
        Durations of the clips that gave a row.
    """
    out = np.empty((n_items, len(plan.names)), dtype=np.float64)
    seconds = []
    for index, (clip, error) in enumerate(outcomes):
        if error is None:
            out[index] = clip.value
            seconds.append(clip.seconds)
        else:
            out[index] = _nan_row_or_raise(error, plan)
    return out, np.asarray(seconds, dtype=np.float64)


def kept_for_fit(plan, outcomes):
    """The clips that ``fit`` learns from, in order: a failed one raises, or is left out with a warning."""
    kept = []
    for index, (clip, error) in enumerate(outcomes):
        if error is None:
            kept.append((index, clip))
        elif plan.on_error == "raise":
            raise error
        else:
            warnings.warn(f"{error}; left out of fit.", ExtractionWarning, stacklevel=external_stacklevel())
    return kept


def warn_degenerate(plan, seconds):
    """One :class:`~musicfeat.DegenerateFeatureWarning` per call, naming what made features degenerate."""
    phrases = [phrase for group in plan.groups for phrase in group._degeneracies(plan.config, seconds)]
    if phrases:
        warnings.warn(
            "Degenerate features: " + "; ".join(phrases) + ".",
            DegenerateFeatureWarning,
            stacklevel=external_stacklevel(),  # the user's line, through scikit-learn's wrappers
        )
