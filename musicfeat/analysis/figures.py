"""The report's static figures for papers: PNG files drawn with matplotlib.

The PNG renderer of the report: it draws a
:class:`~musicfeat.analysis.ReportResults` and computes nothing. matplotlib
is imported when figures are drawn, not with this module.
"""

import os

from .page import palette

__all__ = ["write_png_figures"]


def write_png_figures(results, directory):
    """Write the static figures: maps, similarity, confusion matrix, importance.

    Parameters
    ----------
    results : ReportResults
        From :func:`~musicfeat.analysis.analyse`.
    directory : str or PathLike
        Created if missing.

    Returns
    -------
    list of str
        The files written.
    """
    from matplotlib.figure import Figure

    y = results.y
    os.makedirs(directory, exist_ok=True)
    labels = sorted(set(y))
    colors = palette(len(labels))
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
