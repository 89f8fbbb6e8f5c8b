"""All the talk's analyses as one self-contained HTML page (and PNG figures): ``write_report``.

The room that ties the report together: :func:`write_report` runs
:func:`~musicfeat.analysis.analyse` (computation, in
:mod:`~musicfeat.analysis.results`), then draws the page
(:mod:`~musicfeat.analysis.page`, bokeh) and the figures
(:mod:`~musicfeat.analysis.figures`, matplotlib). bokeh and matplotlib are
imported only when something is drawn.
"""

import dataclasses
import errno
import os

from .._deprecation import warn_deprecated
from .._optional import require
from .figures import write_png_figures
from .page import render_page
from .results import ReportOptions, ReportResults, analyse

__all__ = ["write_report", "analyse", "ReportOptions", "ReportResults", "render_page", "write_png_figures"]

_OPTION_NAMES = tuple(f.name for f in dataclasses.fields(ReportOptions))


def write_report(
    X,
    y,
    feature_names,
    output,
    *,
    tracks=None,
    groups=None,
    options=None,
    png_dir=None,
    title="musicfeat report",
    **legacy_options,
):
    """Write the interactive HTML report of a feature table (needs bokeh; PNGs need matplotlib).

    Parameters
    ----------
    X, y, feature_names
        As from :func:`musicfeat.load_features`.
    output : str or PathLike
        The HTML file (self-contained, works offline).
    tracks : array-like of str, optional
        Names shown on hover (default: row numbers).
    groups : array-like, optional
        Album or artist per track: the split keeps each group on one side.
    options : ReportOptions, optional
        The analyses' options: labels kept or dropped, split, estimator,
        seed, t-SNE, importance (:class:`~musicfeat.analysis.ReportOptions`).
    png_dir : str, optional
        Also write static PNG figures there.
    title : str, default='musicfeat report'

    Other Parameters
    ----------------
    **legacy_options
        Deprecated: the fields of :class:`~musicfeat.analysis.ReportOptions`
        as separate keywords (``labels=``, ``seed=``, ...), as before 0.2.
        They still work, with a FutureWarning; pass ``options=`` instead.

    Returns
    -------
    ReportResults

    Raises
    ------
    OSError
        Before any analysis, if ``output`` cannot be written (no such
        folder, a folder in its place) or ``png_dir`` is a file.
    MissingExtraError
        Without bokeh (or matplotlib, for PNGs): ``pip install "musicfeat[report]"``.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from musicfeat.analysis import ReportOptions, write_report
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (20, 4)), rng.normal(5, 1, (20, 4))])
    >>> y = np.repeat(["quiet", "loud"], 20)
    >>> page = os.path.join(tempfile.mkdtemp(), "report.html")
    >>> results = write_report(X, y, ["a", "b", "c", "d"], page, options=ReportOptions(tsne=False))
    >>> results.classification.accuracy
    1.0
    """
    options = _with_legacy_options(options, legacy_options)
    output = os.path.expanduser(os.fspath(output))
    png_dir = None if png_dir is None else os.path.expanduser(os.fspath(png_dir))
    _check_writable(output, png_dir)
    results = analyse(X, y, feature_names, tracks=tracks, groups=groups, options=options)
    page = render_page(results, title)
    with open(output, "w", encoding="utf-8") as f:
        f.write(page)
    if png_dir is not None:
        write_png_figures(results, png_dir)
    return results


def _check_writable(output, png_dir):
    """Refuse, before the analyses, a page or figure folder that cannot be written."""
    require("pandas", "report", "The report")
    require("bokeh", "report", "The report")
    if png_dir is not None:
        require("matplotlib", "report", "The report's PNG figures")
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, "no such folder for the report", folder)
    if os.path.isdir(output):
        raise IsADirectoryError(errno.EISDIR, "is a folder: name the HTML file to write", output)
    if png_dir is not None and os.path.exists(png_dir) and not os.path.isdir(png_dir):
        raise NotADirectoryError(errno.ENOTDIR, "is a file: name a folder for the PNG figures", png_dir)


def _with_legacy_options(options, legacy_options):
    unknown = sorted(set(legacy_options) - set(_OPTION_NAMES))
    if unknown:
        raise TypeError(f"write_report() got unexpected keyword arguments {unknown}")
    if not legacy_options:
        return options
    if options is not None:
        raise TypeError("write_report() takes options=ReportOptions(...) or the old keywords, not both")
    names = ", ".join(f"{k}=" for k in legacy_options)
    warn_deprecated(
        f"write_report({names}...)", f"write_report(..., options=ReportOptions({names}...))", stacklevel=4
    )
    return ReportOptions(**legacy_options)
