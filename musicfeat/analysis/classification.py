"""Telling labels apart: the talk's classification tables, with honest protocols.

In the analysis room: it works on a feature table (``X, y``), never on audio.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, balanced_accuracy_score, classification_report, confusion_matrix
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .table import class_balance


def default_model(random_state=0):
    """The talk's classifier: standardised features into a balanced random forest.

    ``class_weight='balanced'`` because artists have very different numbers of
    songs (31 to 560 in the talk's table); 500 trees.
    """
    return Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "forest",
                RandomForestClassifier(
                    n_estimators=500, class_weight="balanced", random_state=random_state, n_jobs=-1
                ),
            ),
        ]
    )


class CodedLabels(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A classifier fitted on label codes 0..k-1, predicting the labels themselves.

    Labels that look like numbers (``'1960'``, ``'0'``) confuse
    scikit-learn's ``class_weight='balanced'`` ("The classes ... are not in
    class_weight"); given codes, every classifier sees plain integer
    classes, whatever the labels' text.

    Parameters
    ----------
    estimator : classifier

    Attributes
    ----------
    classes_ : np.ndarray of str
        The labels, sorted; code ``i`` stands for ``classes_[i]``.
    estimator_ : classifier
        ``estimator`` fitted on the codes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from musicfeat.analysis.classification import CodedLabels
    >>> X, y = np.arange(8.0).reshape(-1, 1), np.array(["1960"] * 4 + ["1970"] * 4)
    >>> forest = RandomForestClassifier(n_estimators=5, class_weight="balanced", random_state=0)
    >>> CodedLabels(forest).fit(X, y).predict([[0.0], [7.0]]).tolist()
    ['1960', '1970']
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y):
        """Fit ``estimator`` on the codes of the labels ``y``."""
        self.classes_, codes = np.unique(np.asarray(y).astype(str), return_inverse=True)
        self.estimator_ = clone(self.estimator).fit(X, codes)
        return self

    def predict(self, X):
        """The predicted labels of ``X``."""
        return self.classes_[np.asarray(self.estimator_.predict(X), dtype=int)]

    def score(self, X, y):
        """Accuracy of :meth:`predict` on ``X`` against the labels ``y``."""
        return accuracy_score(np.asarray(y).astype(str), self.predict(X))


@dataclass
class ClassificationResult:
    """What :func:`classify` found; every number of the report comes from here.

    Attributes
    ----------
    labels : list of str
        Classes, in the order of ``confusion``'s rows and columns.
    accuracy, balanced_accuracy : float
        On the test side (hold-out) or over all out-of-fold predictions (CV).
    fold_accuracies : list of float or None
        Per fold, for cross-validation.
    chance_majority : float
        Accuracy of always answering the test side's most common label.
    chance_uniform : float
        ``1 / n_labels``.
    report : pandas.DataFrame
        Precision, recall, F1 and support per label, with averages.
    confusion : pandas.DataFrame
        Rows: true label; columns: predicted label.
    balance : pandas.DataFrame
        Tracks per label, with train and test counts for a hold-out split.
    protocol : str
        How the data were split, in words.
    y_true, y_pred : np.ndarray
    test_index : np.ndarray or None
        Rows of X on the test side (hold-out only).
    model : CodedLabels or None
        The model fitted on the training side (hold-out only); its
        ``predict`` gives labels, its ``estimator_`` is the fitted
        classifier.
    """

    labels: list
    accuracy: float
    balanced_accuracy: float
    fold_accuracies: list
    chance_majority: float
    chance_uniform: float
    report: object
    confusion: object
    balance: object
    protocol: str
    y_true: np.ndarray
    y_pred: np.ndarray
    test_index: np.ndarray
    model: object


def _summarise(y_true, y_pred, labels):
    import pandas as pd

    report = pd.DataFrame(
        classification_report(y_true, y_pred, labels=labels, output_dict=True, zero_division=0)
    ).T
    # classification_report gives accuracy as one number; keep it in the
    # f1-score column (as its text form does), with the test size as support.
    if "accuracy" in report.index:
        report.loc["accuracy", ["precision", "recall"]] = np.nan
        report.loc["accuracy", "support"] = len(y_true)
    report["support"] = report["support"].round().astype(int)
    confusion = pd.DataFrame(
        confusion_matrix(y_true, y_pred, labels=labels),
        index=pd.Index(labels, name="true"),
        columns=pd.Index(labels, name="predicted"),
    )
    _, counts = np.unique(y_true, return_counts=True)
    return report, confusion, counts.max() / counts.sum()


def classify(X, y, *, estimator=None, test_size=0.5, cv=None, groups=None, random_state=0):
    """Train and score a classifier of labels, the way the talk did or more strictly.

    Protocols:

    - hold-out (default): ``test_size`` of each label's tracks for testing,
      stratified (the talk used half);
    - ``cv=k``: stratified k-fold cross-validation, scored on all
      out-of-fold predictions;
    - ``groups=`` (an album or artist per track) with either: every group
      stays on one side (StratifiedGroupKFold). Songs of one album on both
      sides inflate the score: Flexer and Schnitzer report a genre
      classifier falling from 71% to 27% once each artist's songs were kept
      on one side.

    Parameters
    ----------
    X : array-like [shape=(n_tracks, n_features)]
    y : array-like of str
    estimator : scikit-learn classifier, optional
        Default :func:`default_model` (scaler + balanced random forest).
    test_size : float in (0, 1), default=0.5
    cv : int, optional
        Number of folds; replaces the hold-out split.
    groups : array-like, optional
    random_state : int, default=0

    Returns
    -------
    ClassificationResult

    References
    ----------
    .. [1] A. Flexer and D. Schnitzer, "Effects of album and artist filters in
       audio similarity computed for very large music databases", Computer
       Music Journal 34(3), 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.analysis import classify
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (30, 4)), rng.normal(4, 1, (30, 4))])
    >>> y = np.array(["quiet"] * 30 + ["loud"] * 30)
    >>> result = classify(X, y)
    >>> result.accuracy
    1.0
    >>> result.confusion.loc["loud", "loud"]
    np.int64(15)
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(str)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} labels.")
    labels = sorted(set(y.tolist()))  # Python str: plain in messages
    if len(labels) < 2:
        raise ValueError(f"classification needs at least two labels; got {labels}.")
    model = CodedLabels(default_model(random_state) if estimator is None else estimator)
    index = np.arange(y.size)
    if groups is not None:
        groups = np.asarray(groups)

    if cv is None:
        if not 0 < test_size < 1:
            raise ValueError(f"test_size must be in (0, 1); got {test_size!r}.")
        if groups is None:
            train, test = train_test_split(index, test_size=test_size, stratify=y, random_state=random_state)
            protocol = f"stratified hold-out: {test_size:.0%} of each label's tracks for testing"
        else:
            n_splits = max(2, round(1 / test_size))
            splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
            train, test = next(splitter.split(X, y, groups))
            protocol = (
                f"group-aware hold-out: about 1/{n_splits} of the groups for testing, no group on both sides"
            )
        fitted = clone(model).fit(X[train], y[train])
        y_true, y_pred = y[test], fitted.predict(X[test])
        train_mask = np.isin(index, train)
        fold_accuracies, test_index = None, np.sort(test)
    else:
        if groups is None:
            splitter = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
            protocol = f"stratified {cv}-fold cross-validation"
        else:
            splitter = StratifiedGroupKFold(n_splits=cv, shuffle=True, random_state=random_state)
            protocol = f"group-aware {cv}-fold cross-validation: no group on both sides of any fold"
        y_pred = np.empty_like(y)
        fold_accuracies = []
        for train, test in splitter.split(X, y, groups):
            fold_model = clone(model).fit(X[train], y[train])
            y_pred[test] = fold_model.predict(X[test])
            fold_accuracies.append(accuracy_score(y[test], y_pred[test]))
        y_true, fitted, train_mask, test_index = y, None, None, None

    report, confusion, majority = _summarise(y_true, y_pred, labels)
    return ClassificationResult(
        labels=labels,
        accuracy=float(accuracy_score(y_true, y_pred)),
        balanced_accuracy=float(balanced_accuracy_score(y_true, y_pred)),
        fold_accuracies=fold_accuracies,
        chance_majority=float(majority),
        chance_uniform=1.0 / len(labels),
        report=report,
        confusion=confusion,
        balance=class_balance(y, train_mask=train_mask),
        protocol=protocol,
        y_true=y_true,
        y_pred=y_pred,
        test_index=test_index,
        model=fitted,
    )
