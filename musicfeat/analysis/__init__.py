"""The talk's analyses of a feature table.

Everything works on ``X, y`` (and optional track names and groups), as
returned by :func:`musicfeat.load_features` for musicfeat's own tables or any
CSV with a label column and numeric feature columns:

- :func:`embed`: 2-D maps of the tracks (TruncatedSVD, t-SNE, UMAP when
  installed) on standardised features;
- :func:`label_distances`: Euclidean distances between the labels' mean
  standardised feature vectors (the similarity matrix of artists);
- :func:`classify`: a scaled random forest (or any estimator) with a
  stratified hold-out split, k-fold cross-validation, or a group-aware split
  that keeps an album or artist on one side;
- :func:`feature_importance`: impurity and permutation importance with
  their spread;
- :func:`class_balance` and :func:`select_labels`;
- :func:`write_report`: all of it as one self-contained interactive HTML
  page (``musicfeat report``).
"""

from .classification import ClassificationResult, classify, default_model
from .embedding import embed
from .importance import feature_importance
from .similarity import label_distances
from .table import class_balance, select_labels

__all__ = [
    "embed",
    "label_distances",
    "classify",
    "default_model",
    "ClassificationResult",
    "feature_importance",
    "class_balance",
    "select_labels",
    "write_report",
]


def write_report(*args, **kwargs):
    """See :func:`musicfeat.analysis.report.write_report` (needs bokeh)."""
    from .report import write_report as _write_report

    return _write_report(*args, **kwargs)
