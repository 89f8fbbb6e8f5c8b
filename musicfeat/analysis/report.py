"""All the talk's analyses as one self-contained HTML page (and PNG figures).

The page inlines BokehJS, so it opens offline and can be mailed as one file.
Every number on it comes from the functions of :mod:`musicfeat.analysis`.
"""

import html
import os
from dataclasses import dataclass

import numpy as np

from .classification import classify
from .embedding import embed
from .importance import feature_importance
from .similarity import label_distances
from .table import class_balance, select_labels


@dataclass
class ReportResults:
    """Everything the report shows, for use from Python."""

    labels: list
    balance: object
    embeddings: dict
    distances: np.ndarray
    classification: object
    importance: object


def analyse(
    X,
    y,
    feature_names,
    *,
    groups=None,
    labels=None,
    drop_labels=None,
    test_size=0.5,
    cv=None,
    estimator=None,
    seed=0,
    tsne=True,
    top=20,
    n_repeats=5,
):
    """Run every analysis of the report; see :func:`write_report` for the parameters.

    Returns
    -------
    ReportResults
    mask : np.ndarray of bool
        The rows of X that were kept.
    """
    y = np.asarray(y).astype(str)
    mask = select_labels(y, labels, drop_labels)
    X, y = np.asarray(X, dtype=np.float64)[mask], y[mask]
    groups = None if groups is None else np.asarray(groups)[mask]
    methods = ["svd", "tsne"] if tsne else ["svd"]
    embeddings = {m: embed(X, m, random_state=seed) for m in methods}
    names, distances = label_distances(X, y)
    result = classify(X, y, estimator=estimator, test_size=test_size, cv=cv, groups=groups, random_state=seed)
    importance = None
    if result.model is not None:
        importance = feature_importance(
            result, X, y, feature_names, top=top, n_repeats=n_repeats, random_state=seed
        )
    balance = result.balance if result.balance is not None else class_balance(y)
    return ReportResults(list(names), balance, embeddings, distances, result, importance), mask


# ---------------------------------------------------------------- bokeh figures


def _palette(n):
    from bokeh.palettes import Category10, Category20, Turbo256

    if n <= 10:
        return list(Category10[10])[:n]
    if n <= 20:
        return list(Category20[20])[:n]
    return [Turbo256[int(i)] for i in np.linspace(0, 255, n)]


def _scatter(coords, y, tracks, title):
    from bokeh.models import ColumnDataSource, HoverTool, Legend
    from bokeh.plotting import figure

    fig = figure(title=title, width=620, height=520, tools="pan,wheel_zoom,box_zoom,reset,save")
    items = []
    for label, color in zip(sorted(set(y)), _palette(len(set(y))), strict=True):
        rows = y == label
        source = ColumnDataSource(
            {
                "x": coords[rows, 0],
                "y": coords[rows, 1],
                "track": list(tracks[rows]),
                "label": [label] * rows.sum(),
            }
        )
        renderer = fig.scatter("x", "y", source=source, size=7, color=color, alpha=0.75)
        items.append((label, [renderer]))
    legend = Legend(items=items, click_policy="hide", title="click to hide")
    fig.add_layout(legend, "right")
    fig.add_tools(HoverTool(tooltips=[("track", "@track"), ("label", "@label")]))
    fig.xaxis.axis_label, fig.yaxis.axis_label = "dimension 1", "dimension 2"
    return fig


def _heatmap(matrix, rows, columns, title, value_name, palette=None, x_label="", y_label=""):
    from bokeh.models import ColorBar, ColumnDataSource, HoverTool, LinearColorMapper
    from bokeh.palettes import Viridis256
    from bokeh.plotting import figure

    palette = Viridis256 if palette is None else palette
    rows, columns = [str(r) for r in rows], [str(c) for c in columns]
    ii, jj = np.meshgrid(np.arange(len(rows)), np.arange(len(columns)), indexing="ij")
    source = ColumnDataSource(
        {
            "row": [rows[i] for i in ii.ravel()],
            "column": [columns[j] for j in jj.ravel()],
            "value": matrix.ravel(),
        }
    )
    mapper = LinearColorMapper(palette=palette, low=float(np.min(matrix)), high=float(np.max(matrix)))
    size = max(360, 34 * len(columns) + 160)
    fig = figure(
        title=title,
        x_range=columns,
        y_range=list(reversed(rows)),
        width=size + 80,
        height=size,
        tools="hover,save",
        toolbar_location="above",
    )
    fig.rect(
        "column",
        "row",
        1,
        1,
        source=source,
        fill_color={"field": "value", "transform": mapper},
        line_color=None,
    )
    fig.select_one(HoverTool).tooltips = [
        (y_label or "row", "@row"),
        (x_label or "column", "@column"),
        (value_name, "@value{0.000}"),
    ]
    fig.add_layout(ColorBar(color_mapper=mapper), "right")
    fig.xaxis.major_label_orientation = 0.9
    fig.xaxis.axis_label, fig.yaxis.axis_label = x_label, y_label
    return fig


def _importance_chart(importance, top):
    from bokeh.models import ColumnDataSource, HoverTool, Whisker
    from bokeh.plotting import figure

    shown = importance.head(top).iloc[::-1]
    source = ColumnDataSource(
        {
            "feature": list(shown["feature"]),
            "mean": shown["impurity_mean"].to_numpy(),
            "lower": (shown["impurity_mean"] - shown["impurity_std"]).to_numpy(),
            "upper": (shown["impurity_mean"] + shown["impurity_std"]).to_numpy(),
            "permutation": shown["permutation_mean"].to_numpy(),
        }
    )
    fig = figure(
        title=f"Top {len(shown)} features: impurity importance (bars: mean, whiskers: std across trees)",
        y_range=list(shown["feature"]),
        width=760,
        height=26 * len(shown) + 120,
        tools="save",
        toolbar_location="above",
    )
    fig.hbar(y="feature", right="mean", height=0.7, source=source, color="#4c72b0")
    fig.add_layout(Whisker(source=source, base="feature", lower="lower", upper="upper", dimension="width"))
    fig.add_tools(
        HoverTool(
            tooltips=[
                ("feature", "@feature"),
                ("impurity", "@mean{0.0000}"),
                ("permutation", "@permutation{0.0000}"),
            ]
        )
    )
    return fig


# ---------------------------------------------------------------- matplotlib PNGs


def write_png_figures(results, y, directory):
    """Static figures for papers: maps, similarity, confusion, importance (matplotlib)."""
    from matplotlib.figure import Figure

    os.makedirs(directory, exist_ok=True)
    labels = sorted(set(y))
    colors = _palette(len(labels))
    written = []
    for method, coords in results.embeddings.items():
        fig = Figure(figsize=(7, 5.5), layout="constrained")
        ax = fig.add_subplot()
        for label, color in zip(labels, colors, strict=True):
            rows = y == label
            ax.scatter(coords[rows, 0], coords[rows, 1], s=10, color=color, label=label, alpha=0.8)
        ax.set(title=f"{method.upper()} map of tracks", xlabel="dimension 1", ylabel="dimension 2")
        ax.legend(fontsize="small", markerscale=1.5, loc="center left", bbox_to_anchor=(1, 0.5))
        written.append(_save(fig, directory, f"map_{method}.png"))
    for name, matrix, rows, columns, cmap in (
        ("similarity", results.distances, results.labels, results.labels, "viridis"),
        (
            "confusion",
            results.classification.confusion.to_numpy(),
            results.classification.labels,
            results.classification.labels,
            "Blues",
        ),
    ):
        fig = Figure(figsize=(1.0 + 0.5 * len(columns) + 2, 1.0 + 0.5 * len(rows) + 1), layout="constrained")
        ax = fig.add_subplot()
        image = ax.imshow(matrix, cmap=cmap)
        ax.set_xticks(range(len(columns)), columns, rotation=60, ha="right")
        ax.set_yticks(range(len(rows)), rows)
        middle = (matrix.min() + matrix.max()) / 2
        dark_when_high = cmap == "Blues"  # viridis is dark when low
        for i in range(len(rows)):
            for j in range(len(columns)):
                dark = (matrix[i, j] > middle) == dark_when_high
                ax.text(
                    j,
                    i,
                    f"{matrix[i, j]:.2g}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="w" if dark else "k",
                )
        fig.colorbar(image)
        ax.set_title(
            "distance between label means" if name == "similarity" else "confusion matrix (rows: true)"
        )
        written.append(_save(fig, directory, f"{name}.png"))
    if results.importance is not None:
        shown = results.importance.head(20).iloc[::-1]
        fig = Figure(figsize=(7, 0.3 * len(shown) + 1.2), layout="constrained")
        ax = fig.add_subplot()
        ax.barh(shown["feature"], shown["impurity_mean"], xerr=shown["impurity_std"], color="#4c72b0")
        ax.set(title="impurity importance (std across trees)", xlabel="mean decrease in impurity")
        written.append(_save(fig, directory, "importance.png"))
    return written


def _save(fig, directory, name):
    path = os.path.join(directory, name)
    fig.savefig(path, dpi=120)
    return path


# ---------------------------------------------------------------- the page


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1400px; color: #222; }
table.data { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0 1.5em; }
table.data td, table.data th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }
.row { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }
.note { color: #555; max-width: 60em; }
"""


def _table_html(frame, floatfmt="{:.3f}"):
    return frame.to_html(classes="data", float_format=floatfmt.format, border=0)


def render_page(results, y, tracks, title, top=20):
    """The report's HTML: BokehJS inline, no network needed."""
    from bokeh.embed import components
    from bokeh.resources import INLINE

    c = results.classification
    plots = {
        f"map_{m}": _scatter(
            coords, y, tracks, f"{m.upper()} map of tracks (hover: track; legend: hide labels)"
        )
        for m, coords in results.embeddings.items()
    }
    plots["similarity"] = _heatmap(
        results.distances,
        results.labels,
        results.labels,
        "Distance between label means (standardised features)",
        "distance",
    )
    from bokeh.palettes import Blues256

    plots["confusion"] = _heatmap(
        c.confusion.to_numpy(),
        c.labels,
        c.labels,
        "Confusion matrix",
        "tracks",
        palette=tuple(reversed(Blues256)),
        x_label="predicted",
        y_label="true",
    )
    if results.importance is not None:
        plots["importance"] = _importance_chart(results.importance, top)
    script, divs = components(plots)
    folds = ""
    if c.fold_accuracies:
        folds = f" (folds: {np.mean(c.fold_accuracies):.3f} ± {np.std(c.fold_accuracies):.3f})"
    maps = "".join(divs[k] for k in divs if k.startswith("map_"))
    importance = ""
    if results.importance is not None:
        importance = (
            "<h2>Which features mattered</h2>"
            + divs["importance"]
            + "<p class='note'>Permutation importance: drop in test accuracy when a feature's test values are "
            "shuffled (mean and std over repeats), for the top features by impurity.</p>"
            + _table_html(results.importance.head(top).set_index("feature"), "{:.4f}")
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
{INLINE.render()}
{script}
<style>{_STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p class="note">{len(y)} tracks, {len(results.labels)} labels. Maps and distances use standardised features.</p>
<h2>Tracks per label</h2>
{_table_html(results.balance)}
<h2>Maps of the tracks</h2>
<div class="row">{maps}</div>
<h2>Similarity of labels</h2>
{divs["similarity"]}
<h2>Classification</h2>
<p><b>Protocol:</b> {html.escape(c.protocol)}.<br>
<b>Accuracy:</b> {c.accuracy:.3f}{folds}; balanced accuracy {c.balanced_accuracy:.3f};
chance: {c.chance_majority:.3f} (always the largest label), {c.chance_uniform:.3f} (uniform).</p>
<div class="row"><div>{_table_html(c.report)}</div><div>{divs["confusion"]}</div></div>
{importance}
<p class="note">Made by musicfeat. Class imbalance skews accuracy: compare with the chance levels and the
balanced accuracy, and with the tracks per label above.</p>
</body></html>
"""


def write_report(
    X,
    y,
    feature_names,
    output,
    *,
    tracks=None,
    groups=None,
    labels=None,
    drop_labels=None,
    test_size=0.5,
    cv=None,
    estimator=None,
    seed=0,
    tsne=True,
    top=20,
    n_repeats=5,
    png_dir=None,
    title="musicfeat report",
):
    """Write the interactive HTML report of a feature table.

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
    labels, drop_labels : sequence of str, optional
        Keep only these labels ("A or B?"), or drop these.
    test_size : float, default=0.5
        Hold-out share of each label (the talk's protocol).
    cv : int, optional
        k-fold cross-validation instead (no importance then).
    estimator : classifier, optional
        Default: standard scaler + balanced random forest.
    seed : int, default=0
        Every random step (split, forest, t-SNE, permutations): same seed,
        same page.
    tsne : bool, default=True
        Also the t-SNE map (slower on large tables).
    top, n_repeats : int
        Features shown, and permutation repeats.
    png_dir : str, optional
        Also write static PNG figures there.
    title : str

    Returns
    -------
    ReportResults
    """
    y = np.asarray(y).astype(str)
    tracks = np.arange(len(y)).astype(str) if tracks is None else np.asarray(tracks).astype(str)
    results, mask = analyse(
        X,
        y,
        feature_names,
        groups=groups,
        labels=labels,
        drop_labels=drop_labels,
        test_size=test_size,
        cv=cv,
        estimator=estimator,
        seed=seed,
        tsne=tsne,
        top=top,
        n_repeats=n_repeats,
    )
    page = render_page(results, y[mask], tracks[mask], title, top)
    with open(output, "w", encoding="utf-8") as f:
        f.write(page)
    if png_dir is not None:
        write_png_figures(results, y[mask], png_dir)
    return results
