"""The talk's analyses of a feature table.

The room that reads feature tables only (never audio): everything works on
``X, y`` (and optional track names and groups), as returned by
:func:`musicfeat.load_features` for musicfeat's own tables or any CSV with a
label column and numeric feature columns:

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
- :func:`analyse`: all of them at once, with the options of
  :class:`ReportOptions`, into a :class:`ReportResults`;
- :func:`write_report`: the same as one self-contained interactive HTML
  page (``musicfeat report``; bokeh, imported only then).

Computation (``results.py`` and the modules above) is apart from rendering
(``page.py``, ``figures.py``); ``report.py`` ties them together.
"""

from .classification import ClassificationResult, classify, default_model
from .embedding import embed
from .importance import feature_importance
from .report import write_report
from .results import ReportOptions, ReportResults, analyse
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
    "analyse",
    "ReportOptions",
    "ReportResults",
    "write_report",
]
