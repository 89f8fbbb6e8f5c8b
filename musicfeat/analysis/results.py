"""Every analysis of the report, computed apart from how it is shown.

The computation room of the report: :class:`ReportOptions` (the analysis
options, written once), :func:`analyse` (maps, label distances,
classification, importance and class balance of a feature table) and
:class:`ReportResults` (what it found). The renderers
(:mod:`~musicfeat.analysis.page`, :mod:`~musicfeat.analysis.figures`) only
draw a ReportResults.
"""

from dataclasses import dataclass, field

import numpy as np

from .classification import classify
from .embedding import embed
from .importance import feature_importance
from .similarity import label_distances
from .table import class_balance, select_labels

__all__ = ["ReportOptions", "ReportResults", "analyse"]


@dataclass(frozen=True)
class ReportOptions:
    """The options of the report's analyses.

    Attributes
    ----------
    labels, drop_labels : sequence of str, optional
        Keep only these labels ("A or B?"), or drop these.
    test_size : float, default=0.5
        Hold-out share of each label (the talk's protocol).
    cv : int, optional
        k-fold cross-validation instead (no importance then).
    estimator : classifier, optional
        Default: standard scaler + balanced random forest
        (:func:`~musicfeat.analysis.default_model`).
    seed : int, default=0
        Every random step (split, forest, t-SNE, permutations): same seed,
        same results.
    tsne : bool, default=True
        Also the t-SNE map (slower on large tables).
    top : int, default=20
        Features shown in the importance chart and table.
    n_repeats : int, default=5
        Permutation repeats of the importance.

    Examples
    --------
    >>> from musicfeat.analysis import ReportOptions
    >>> ReportOptions(labels=["a", "b"], seed=3).tsne
    True
    """

    labels: object = None
    drop_labels: object = None
    test_size: float = 0.5
    cv: object = None
    estimator: object = None
    seed: int = 0
    tsne: bool = True
    top: int = 20
    n_repeats: int = 5


@dataclass
class ReportResults:
    """Everything the report shows, for use from Python.

    Attributes
    ----------
    labels : list of str
        The labels kept, in the order of ``distances``.
    balance : pandas.DataFrame
        Tracks per label (and per side of the split).
    embeddings : dict of str to np.ndarray [shape=(n_tracks, 2)]
        The maps, by method (``'svd'``, ``'tsne'``).
    distances : np.ndarray [shape=(n_labels, n_labels)]
        Distances between the labels' mean standardised features.
    classification : ClassificationResult
    importance : pandas.DataFrame or None
        None under cross-validation.
    y, tracks : np.ndarray of str
        Label and name of each track kept.
    mask : np.ndarray of bool
        The rows of the table that were kept.
    options : ReportOptions
    """

    labels: list
    balance: object
    embeddings: dict
    distances: np.ndarray
    classification: object
    importance: object
    y: np.ndarray = None
    tracks: np.ndarray = None
    mask: np.ndarray = None
    options: ReportOptions = field(default_factory=ReportOptions)


def analyse(X, y, feature_names, *, tracks=None, groups=None, options=None):
    """Run every analysis of the report on a feature table.

    Parameters
    ----------
    X, y, feature_names
        As from :func:`musicfeat.load_features`.
    tracks : array-like of str, optional
        Names of the tracks (default: row numbers).
    groups : array-like, optional
        Album or artist per track: the split keeps each group on one side.
    options : ReportOptions, optional
        The analyses' options (defaults: :class:`ReportOptions()`).

    Returns
    -------
    ReportResults

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.analysis import ReportOptions, analyse
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (20, 4)), rng.normal(5, 1, (20, 4))])
    >>> y = np.repeat(["quiet", "loud"], 20)
    >>> results = analyse(X, y, ["a", "b", "c", "d"], options=ReportOptions(tsne=False, n_repeats=1))
    >>> results.labels, sorted(results.embeddings)
    (['loud', 'quiet'], ['svd'])
    """
    options = ReportOptions() if options is None else options
    y = np.asarray(y).astype(str)
    tracks = np.arange(len(y)).astype(str) if tracks is None else np.asarray(tracks).astype(str)
    mask = select_labels(y, options.labels, options.drop_labels)
    X, y, tracks = np.asarray(X, dtype=np.float64)[mask], y[mask], tracks[mask]
    groups = None if groups is None else np.asarray(groups)[mask]
    seed = options.seed
    methods = ["svd", "tsne"] if options.tsne else ["svd"]
    embeddings = {m: embed(X, m, random_state=seed) for m in methods}
    names, distances = label_distances(X, y)
    result = classify(
        X,
        y,
        estimator=options.estimator,
        test_size=options.test_size,
        cv=options.cv,
        groups=groups,
        random_state=seed,
    )
    importance = None
    if result.model is not None:
        importance = feature_importance(
            result, X, y, feature_names, top=options.top, n_repeats=options.n_repeats, random_state=seed
        )
    balance = result.balance if result.balance is not None else class_balance(y)
    return ReportResults(
        [str(n) for n in names], balance, embeddings, distances, result, importance, y, tracks, mask, options
    )
