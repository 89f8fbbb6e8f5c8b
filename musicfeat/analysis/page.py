"""The report as one self-contained interactive HTML page (BokehJS inline).

The HTML renderer of the report: it draws a
:class:`~musicfeat.analysis.ReportResults` and computes nothing. The page
inlines BokehJS, so it opens offline and can be mailed as one file. bokeh
is imported when a page is drawn, not with this module.
"""

import html

import numpy as np

__all__ = ["render_page", "palette"]


def palette(n):
    """``n`` distinct colours (hex): Category10, Category20, then evenly spaced Turbo."""
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
    for label, color in zip(sorted(set(y)), palette(len(set(y))), strict=True):
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


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1400px; color: #222; }
table.data { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0 1.5em; }
table.data td, table.data th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }
.row { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }
.note { color: #555; max-width: 60em; }
"""


def _table_html(frame, floatfmt="{:.3f}"):
    return frame.to_html(classes="data", float_format=floatfmt.format, border=0)


def render_page(results, title):
    """The report's HTML page: BokehJS inline, no network needed.

    Parameters
    ----------
    results : ReportResults
        From :func:`~musicfeat.analysis.analyse`.
    title : str

    Returns
    -------
    str
    """
    from bokeh.embed import components
    from bokeh.resources import INLINE

    y, tracks, top = results.y, results.tracks, results.options.top
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
