"""The talk's analyses on tables with known structure, and on the talk's own table."""

import re

import numpy as np
import pytest

pytest.importorskip("pandas")

from sklearn.linear_model import LogisticRegression  # noqa: E402

from musicfeat.analysis import (  # noqa: E402
    class_balance,
    classify,
    embed,
    feature_importance,
    label_distances,
    select_labels,
)
from musicfeat.cli import main  # noqa: E402
from musicfeat.datasets import TALK_RESULTS, load_talk_features  # noqa: E402


def clusters(n_per=40, n_labels=3, n_features=6, spread=0.5, seed=0):
    """Well separated clusters along different axes: any decent method tells them apart."""
    rng = np.random.default_rng(seed)
    X = np.vstack(
        [rng.normal(0, spread, (n_per, n_features)) + 6 * np.eye(n_features)[i] for i in range(n_labels)]
    )
    y = np.repeat([f"label{i}" for i in range(n_labels)], n_per)
    return X, y


def small_forest(seed=0):
    from musicfeat.analysis import default_model

    model = default_model(seed)
    model.set_params(forest__n_estimators=50)
    return model


def _nearest_centroid_accuracy(coords, y):
    labels = np.unique(y)
    centroids = np.array([coords[y == lab].mean(axis=0) for lab in labels])
    nearest = labels[np.argmin(((coords[:, None, :] - centroids[None]) ** 2).sum(-1), axis=1)]
    return np.mean(nearest == y)


@pytest.mark.parametrize("method", ["svd", "tsne"])
def test_separable_clusters_stay_separable_on_the_map(method):
    X, y = clusters()
    coords = embed(X, method, random_state=0)
    assert coords.shape == (len(y), 2)
    assert _nearest_centroid_accuracy(coords, y) > 0.95
    np.testing.assert_array_equal(coords, embed(X, method, random_state=0))  # reproducible


def test_separable_clusters_are_classified_perfectly():
    X, y = clusters()
    result = classify(X, y, estimator=small_forest())
    assert result.accuracy == 1.0
    assert np.trace(result.confusion.to_numpy()) == len(result.y_true) == len(y) // 2
    assert result.balance["test"].sum() == len(y) // 2
    assert result.chance_uniform == pytest.approx(1 / 3)


def test_permuted_labels_score_near_chance():
    X, y = clusters(n_per=100)
    y = np.random.default_rng(1).permutation(y)
    result = classify(X, y, estimator=small_forest(), cv=5)
    assert abs(result.accuracy - result.chance_uniform) < 0.1
    assert len(result.fold_accuracies) == 5


@pytest.mark.parametrize("labels", [["1960", "1970", "1980"], ["0", "1", "2"]])
def test_labels_that_look_like_numbers_are_coded_before_fitting(labels):
    """scikit-learn's class_weight='balanced' refused them ("The classes ... are not in class_weight")."""
    X, y = clusters(n_per=20)
    y = np.array([labels[int(label[-1])] for label in y])
    for estimator in (None, LogisticRegression(class_weight="balanced", max_iter=500)):
        result = classify(X, y, estimator=estimator)
        assert result.accuracy == 1.0 and result.labels == labels
        assert set(result.model.predict(X)) == set(labels)
    table = feature_importance(result, X, y, [f"f{i}" for i in range(6)], n_repeats=2)
    assert table["permutation_mean"].notna().all()


def test_similarity_matrix_is_symmetric_with_zero_diagonal_and_finds_neighbours():
    rng = np.random.default_rng(0)
    centres = {"a": 0.0, "b": 0.5, "c": 10.0}
    X = np.vstack([rng.normal(c, 1, (30, 4)) for c in centres.values()])
    y = np.repeat(list(centres), 30)
    labels, D = label_distances(X, y)
    assert labels.tolist() == ["a", "b", "c"]
    np.testing.assert_array_equal(D, D.T)
    assert np.all(np.diag(D) == 0) and np.all(D[~np.eye(3, dtype=bool)] > 0)
    assert D[0, 1] < D[0, 2] and D[0, 1] < D[1, 2]


@pytest.mark.parametrize("cv", [None, 3])
def test_group_aware_split_keeps_each_group_on_one_side(cv):
    X, y = clusters(n_per=60)
    groups = np.repeat(np.arange(36), 5)  # 'albums' of 5 tracks, each within one label
    result = classify(X, y, estimator=small_forest(), groups=groups, cv=cv)
    assert "group" in result.protocol
    if cv is None:
        test = np.zeros(len(y), bool)
        test[result.test_index] = True
        assert not set(groups[test]) & set(groups[~test])
    else:  # every fold was group-aware: out-of-fold predictions cover every track once
        assert len(result.y_pred) == len(y)


def test_importance_finds_the_informative_feature():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6))
    y = np.where(X[:, 3] > 0, "up", "down")
    result = classify(X, y, estimator=small_forest())
    names = [f"f{i}" for i in range(6)]
    table = feature_importance(result, X, y, names, top=3, n_repeats=3)
    assert table.loc[0, "feature"] == "f3"
    assert table.loc[0, "permutation_mean"] > 0.2
    assert table["permutation_mean"].notna().sum() == 3
    assert (table["impurity_std"] >= 0).all()


def test_importance_for_a_model_without_impurity():
    X, y = clusters(n_per=20)
    result = classify(X, y, estimator=LogisticRegression(max_iter=500))
    table = feature_importance(result, X, y, [f"f{i}" for i in range(6)], n_repeats=2)
    assert table["impurity_mean"].isna().all() and table["permutation_mean"].notna().all()


def test_label_selection_and_balance():
    y = np.array(["a", "b", "c", "a"])
    assert select_labels(y, labels=["a", "b"]).tolist() == [True, True, False, True]
    with pytest.raises(ValueError, match="not among"):
        select_labels(y, labels=["z"])
    with pytest.raises(ValueError, match="no track is left"):
        select_labels(y, labels=["a"], drop_labels=["a"])
    assert class_balance(y, train_mask=[True, False, True, False])[["train", "test"]].loc["a"].tolist() == [
        1,
        1,
    ]


# ---------------------------------------------------------------- the talk's own results


@pytest.fixture(scope="module")
def talk():
    return load_talk_features()


def _talk_accuracy(talk, **selection):
    X, y, names, _ = talk
    keep = select_labels(y, **selection)
    return classify(X[keep], y[keep], test_size=0.5, random_state=0)


def test_talk_twelve_musicians(talk):
    result = _talk_accuracy(talk, drop_labels=TALK_RESULTS["12 musicians all together"]["drop_labels"])
    assert len(result.labels) == 12
    assert abs(result.accuracy - 0.79) <= 0.03


def test_talk_avril_or_taylor(talk):
    result = _talk_accuracy(talk, labels=TALK_RESULTS["Avril Lavigne or Taylor Swift?"]["labels"])
    assert abs(result.accuracy - 0.73) <= 0.05


def test_talk_classical_or_taylor(talk):
    result = _talk_accuracy(talk, labels=TALK_RESULTS["Classical or Taylor Swift?"]["labels"])
    assert result.accuracy > 0.97


# ---------------------------------------------------------------- the report command


@pytest.fixture
def table_csv(tmp_path):
    X, y = clusters(n_per=25)
    path = tmp_path / "table.csv"
    columns = ["path", "label", "album"] + [f"feat{i}" for i in range(X.shape[1])]
    rows = [
        [f"{lab}/song {i}.ogg", lab, f"{lab}-album{i % 5}"] + list(x)
        for i, (x, lab) in enumerate(zip(X, y, strict=True))
    ]
    import pandas as pd

    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    return path


def test_report_command_writes_a_self_contained_page_and_pngs(table_csv, tmp_path):
    out, png = tmp_path / "report.html", tmp_path / "png"
    assert main(["report", str(table_csv), "-o", str(out), "--group-column", "album", "--png", str(png)]) == 0
    page = out.read_text()
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?:", page), "no network resources"
    for text in ("HoverTool", '"click_policy":"hide"', "Confusion matrix", "Tracks per label", "group-aware"):
        assert text in page
    assert sorted(p.name for p in png.iterdir()) == [
        "confusion.png",
        "importance.png",
        "map_svd.png",
        "map_tsne.png",
        "similarity.png",
    ]


def test_report_is_reproducible_with_a_seed(table_csv, tmp_path):
    pages = []
    for name in ("a.html", "b.html"):
        main(["report", str(table_csv), "-o", str(tmp_path / name), "--seed", "3", "--no-tsne"])
        # bokeh gives every model a fresh id; the numbers must not change
        pages.append(
            re.sub(
                r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|p\d{4,}",
                "",
                (tmp_path / name).read_text(),
            )
        )
    assert pages[0] == pages[1]


def test_report_command_label_options_and_errors(table_csv, tmp_path, capsys):
    assert (
        main(
            [
                "report",
                str(table_csv),
                "-o",
                str(tmp_path / "r.html"),
                "--labels",
                "label0,label1",
                "--no-tsne",
            ]
        )
        == 0
    )
    assert "label2" not in (tmp_path / "r.html").read_text().split("Tracks per label")[1].split("</table>")[0]
    assert main(["report", str(table_csv), "-o", str(tmp_path / "r.html"), "--labels", "nope"]) == 2
    assert "not among" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "r.html")]) == 2
    assert main(["report", str(table_csv), "-o", str(tmp_path / "r.html"), "--label-column", "genre"]) == 2


def test_report_does_not_depend_on_row_order(table_csv, tmp_path):
    import pandas as pd

    shuffled = tmp_path / "shuffled.csv"
    pd.read_csv(table_csv).sample(frac=1, random_state=5).to_csv(shuffled, index=False)
    ids = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|p\d{4,}"
    pages = []
    for source, name in ((table_csv, "a.html"), (shuffled, "b.html")):
        main(["report", str(source), "-o", str(tmp_path / name), "--no-tsne", "--title", "t"])
        pages.append(re.sub(ids, "", (tmp_path / name).read_text()))
    assert pages[0] == pages[1]


# ---------------------------------------------------------------- the report's API


def test_write_report_has_its_own_signature_and_bokeh_loads_only_to_draw():
    import inspect
    import subprocess
    import sys

    from musicfeat.analysis import write_report

    params = inspect.signature(write_report).parameters
    assert list(params)[:4] == ["X", "y", "feature_names", "output"] and "options" in params
    code = "import sys, musicfeat.analysis; print('bokeh' in sys.modules, 'matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split() == [
        "False",
        "False",
    ]


def test_report_options_written_once_and_the_old_keywords_still_work(tmp_path):
    from musicfeat.analysis import ReportOptions, analyse, write_report

    X, y = clusters(n_per=15)
    names = [f"f{i}" for i in range(X.shape[1])]
    options = ReportOptions(labels=["label0", "label1"], tsne=False, n_repeats=1, seed=2)
    results = analyse(X, y, names, options=options)
    assert results.labels == ["label0", "label1"] and results.mask.sum() == 30 == len(results.tracks)
    with pytest.warns(
        FutureWarning, match=r"write_report\(labels=, tsne=, n_repeats=, seed=.*options=ReportOptions"
    ):
        old = write_report(
            X, y, names, tmp_path / "old.html", labels=["label0", "label1"], tsne=False, n_repeats=1, seed=2
        )
    new = write_report(X, y, names, tmp_path / "new.html", options=options)
    assert old.classification.accuracy == new.classification.accuracy == results.classification.accuracy
    with pytest.raises(TypeError, match="not both"):
        write_report(X, y, names, tmp_path / "x.html", options=options, seed=1)
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['colour'\]"):
        write_report(X, y, names, tmp_path / "x.html", colour="red")
