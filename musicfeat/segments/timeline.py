"""Learning from labelled recordings, and timelines and proportions of new ones.

The room of segment classification: every segment inherits its recording's
label (:func:`segment_dataset`), a classifier is trained and scored with a
group-aware split (:func:`train_segment_classifier`), and a recording gets a
timeline of class probabilities (:func:`predict_timeline`), each class's
share (:func:`predict_proportions`) and its change points.
"""

from numbers import Integral

import numpy as np
from sklearn.base import clone

from ..io import as_items
from .windows import Segmenter, silent_segments

__all__ = [
    "segment_dataset",
    "train_segment_classifier",
    "predict_timeline",
    "predict_proportions",
    "change_points",
    "plot_timeline",
]


def segment_dataset(recordings, labels, segmenter=None):
    """Segments of labelled recordings, each inheriting its recording's label.

    Returns
    -------
    X : np.ndarray [shape=(n_segments, n_features)]
    y : np.ndarray of str
    groups : np.ndarray of int
        The recording of each segment: give it to any group-aware split.
    table : SegmentTable
    """
    labels = np.asarray(labels).astype(str)
    recordings = as_items(recordings)
    if len(recordings) != len(labels):
        raise ValueError(f"{len(recordings)} recordings but {len(labels)} labels.")
    table = (segmenter or Segmenter()).segment(recordings)
    return table.X, labels[table.recording], table.recording, table


def train_segment_classifier(recordings, labels, *, segmenter=None, estimator=None, cv=None, random_state=0):
    """Fit a segment classifier on labelled recordings, and score it honestly.

    Every segment inherits its recording's label. The score comes from a
    group-aware split: all segments of a recording stay on the same side,
    since neighbouring, overlapping windows of one recording are nearly the
    same example and would otherwise inflate it. It is computed when every
    label has at least two recordings (hold-out, half of the recordings; or
    ``cv`` folds); the returned model is then fitted on all segments.

    Parameters
    ----------
    recordings : sequence of clips
    labels : sequence of str, one per recording
    segmenter : Segmenter, optional
    estimator : classifier with predict_proba, optional
        Default: scaler + balanced random forest
        (:func:`musicfeat.analysis.default_model`).
    cv : int, optional
    random_state : int

    Returns
    -------
    model : fitted estimator
    evaluation : ClassificationResult or None
    """
    from ..analysis import classify, default_model

    X, y, groups, _ = segment_dataset(recordings, labels, segmenter)
    model = default_model(random_state) if estimator is None else estimator
    evaluation = None
    per_label = {label: len(set(groups[y == label])) for label in set(y)}
    if min(per_label.values()) >= 2:
        evaluation = classify(X, y, estimator=model, cv=cv, groups=groups, random_state=random_state)
    return clone(model).fit(X, y), evaluation


def predict_timeline(estimator, recording, *, segmenter=None, smooth=3):
    """Per-segment class probabilities of one recording.

    Parameters
    ----------
    estimator : fitted classifier with ``predict_proba``
    recording : a clip (path, waveform, or (waveform, sr) pair)
    segmenter : Segmenter, optional
        The one the estimator was trained with (default settings otherwise).
    smooth : int, default=3
        The ``label`` column is the most probable class after averaging the
        probabilities over this many neighbouring segments (centred; 1: no
        smoothing), so that one ambiguous window across a change does not
        make two changes. The probability columns stay unsmoothed.

    Returns
    -------
    pandas.DataFrame
        ``start_s``, ``end_s``, ``energy_db``, ``silent`` (the energy gate of
        :func:`silent_segments`), ``label`` and one probability column per
        class, in ``estimator.classes_`` order.
    """
    import pandas as pd

    if isinstance(smooth, bool) or not isinstance(smooth, Integral) or smooth < 1:
        raise ValueError(f"predict_timeline's 'smooth' must be an int of at least 1. Got {smooth!r} instead.")
    table = (segmenter or Segmenter()).segment([recording])
    if table.X.shape[0] == 0:
        raise ValueError("the recording is shorter than one segment and the segmenter drops the tail.")
    proba = estimator.predict_proba(table.X)
    classes = [str(c) for c in estimator.classes_]
    smoothed = _moving_average(proba, smooth)
    timeline = pd.DataFrame(
        {
            "start_s": table.start_s,
            "end_s": table.end_s,
            "energy_db": table.energy_db,
            "silent": silent_segments(table.energy_db),
            "label": np.asarray(classes)[smoothed.argmax(axis=1)],
        }
    )
    return pd.concat([timeline, pd.DataFrame(proba, columns=classes)], axis=1)


def _moving_average(proba, width):
    """Centred moving average over segments (edges: the window shrinks)."""
    if width == 1:
        return proba
    cumulative = np.vstack([np.zeros(proba.shape[1]), np.cumsum(proba, axis=0)])
    half = width // 2
    lo = np.clip(np.arange(len(proba)) - half, 0, len(proba))
    hi = np.clip(np.arange(len(proba)) + width - half, 0, len(proba))
    return (cumulative[hi] - cumulative[lo]) / (hi - lo)[:, None]


def predict_proportions(estimator, recording, *, segmenter=None, timeline=None):
    """Each class's share of a recording, weighted by probability, silence excluded.

    The share of class c is the mean over non-silent segments of its
    probability. Segments are weighted equally: with the default 1-s hop each
    stands for one second of the recording.

    Returns
    -------
    pandas.Series
        Share per class (sums to 1), plus the attribute ``silent_share``
        (``series.attrs['silent_share']``) for the fraction of segments gated out.
    """
    import pandas as pd

    if timeline is None:
        timeline = predict_timeline(estimator, recording, segmenter=segmenter)
    classes = [str(c) for c in estimator.classes_]
    voiced = timeline.loc[~timeline["silent"], classes]
    shares = voiced.mean() if len(voiced) else pd.Series(0.0, index=classes)
    shares.attrs["silent_share"] = float(timeline["silent"].mean())
    return shares


def change_points(timeline):
    """Times where the most probable class changes between non-silent segments (start of the new class)."""
    active = timeline.loc[~timeline["silent"]]
    labels = active["label"].to_numpy()
    starts = active["start_s"].to_numpy()
    return [float(starts[i]) for i in range(1, len(labels)) if labels[i] != labels[i - 1]]


def plot_timeline(timeline, ax=None):
    """Stacked class probabilities over time; silent segments shaded.

    Parameters
    ----------
    timeline : pandas.DataFrame
        From :func:`predict_timeline`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(10, 2.8), layout="constrained").add_subplot()
    fixed = {"start_s", "end_s", "energy_db", "silent", "label"}
    classes = [c for c in timeline.columns if c not in fixed]
    centres = (timeline["start_s"] + timeline["end_s"]) / 2
    ax.stackplot(centres, *[timeline[c] for c in classes], labels=classes, alpha=0.85, step="mid")
    for _, row in timeline.loc[timeline["silent"]].iterrows():
        ax.axvspan(row["start_s"], row["end_s"], color="0.85", zorder=0)
    ax.set(
        xlabel="time (s)",
        ylabel="probability",
        ylim=(0, 1),
        xlim=(timeline["start_s"].min(), timeline["end_s"].max()),
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize="small")
    return ax
