"""``fit``, ``transform`` and ``fit_transform`` of every musicfeat transformer, clip by clip.

The room that ties the plan, the runner and the collector together for one
call. A transformer (a group alone, or :class:`~musicfeat.MusicFeatures`)
gives its validated :class:`~musicfeat.extraction.ExtractionPlan`
(``_plan``), how a clip held whole is analysed (``_whole``: a cache, or
None), and its worker processes (``_n_jobs``); these functions do the rest.
A learning group's ``fit_clips`` receives each training clip's data once,
from the same pass that gives the rows in ``fit_transform``.
"""

from functools import partial

from ..exceptions import InvalidAudioError
from ..io import as_items
from .outcomes import clip_outcomes, collect_rows, kept_for_fit, warn_degenerate
from .runner import Clip, clip_data, row_of

__all__ = ["fit", "fit_transform", "transform"]


def _row(plan, whole, item, index):
    clip = clip_data(plan, item, index, whole=whole)
    return Clip(row_of(plan, clip.value, index, item), clip.seconds)


def _data(plan, whole, groups, item, index):
    return clip_data(plan, item, index, groups, whole=whole)


def _fit_data(plan, whole, groups, item, index):
    # Each learner's fit_sample of the clip, taken here (in the worker): fit keeps that much per clip.
    clip = clip_data(plan, item, index, groups, whole=whole)
    samples = [
        group.fit_sample(data) if group.learns else data
        for group, data in zip(groups, clip.value, strict=True)
    ]
    return Clip(samples, clip.seconds)


def _require_x(estimator, plan, X):
    if X is None:
        learners = ", ".join(type(group).__name__ for group in plan.learners)
        raise ValueError(f"{type(estimator).__name__} learns from training clips ({learners}): fit needs X.")


def _fit_learners(estimator, plan, kept, groups, sampled=True):
    for learner in plan.learners:
        k = groups.index(learner)
        samples = [clip.value[k] if sampled else learner.fit_sample(clip.value[k]) for _, clip in kept]
        learner.fit_clips(samples, owner=estimator)


def fit(estimator, X):
    """Validate the parameters, and learn from X when a group learns; return the plan."""
    plan = estimator._plan(fitting=True)
    if plan.learners:
        _require_x(estimator, plan, X)
        whole = estimator._whole(plan)
        # With a cache, every group's data is computed (and kept for transform); else the learners' only.
        groups = plan.groups if whole is not None else plan.learners
        run = partial(_fit_data, plan, whole, groups)
        kept = kept_for_fit(plan, clip_outcomes(run, as_items(X), estimator._n_jobs()))
        _fit_learners(estimator, plan, kept, list(groups))
    estimator._remember_fit(plan)
    return plan


def transform(estimator, X, plan=None):
    """Every clip's row, ``on_error`` applied, one DegenerateFeatureWarning per call."""
    plan = estimator._plan() if plan is None else plan
    items = as_items(X)
    run = partial(_row, plan, estimator._whole(plan))
    out, seconds = collect_rows(plan, clip_outcomes(run, items, estimator._n_jobs()), len(items))
    warn_degenerate(plan, seconds)
    return out


def fit_transform(estimator, X):
    """``fit(X)`` then ``transform(X)``, each clip read once when a group learns."""
    plan = estimator._plan(fitting=True)
    if not plan.learners:
        estimator._remember_fit(plan)
        return transform(estimator, X, plan)
    _require_x(estimator, plan, X)
    items = as_items(X)
    run = partial(_data, plan, estimator._whole(plan), plan.groups)
    outcomes = list(clip_outcomes(run, items, estimator._n_jobs()))
    kept = kept_for_fit(plan, outcomes)
    _fit_learners(estimator, plan, kept, list(plan.groups), sampled=False)
    estimator._remember_fit(plan)
    rows = []
    for index, (clip, error) in enumerate(outcomes):
        if error is None:
            try:
                clip = Clip(row_of(plan, clip.value, index, items[index]), clip.seconds)
            except InvalidAudioError as failure:  # an encoding failed, or a value is not finite
                clip, error = None, failure
        rows.append((clip, error))
    out, seconds = collect_rows(plan, rows, len(items))
    warn_degenerate(plan, seconds)
    return out
