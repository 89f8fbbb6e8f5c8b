"""Regenerate the tutorials' figures and numbers.

    LIBROSA_DATA_DIR=... python docs/tutorials/make_figures.py

Writes docs/tutorials/figures/{examples,talk,voices}/*.png and prints the numbers
quoted in the tutorials.
"""

import os
import sys
import tempfile
from pathlib import Path

import librosa

from musicfeat import extract_folder, load_features
from musicfeat.analysis import ReportOptions, classify, select_labels, write_report
from musicfeat.datasets import TALK_RESULTS, load_talk_features

HERE = Path(__file__).parent
CLIPS = {
    "music": ["brahms", "nutcracker", "vibeace", "fishin", "choice", "trumpet", "sweetwaltz", "pistachio"],
    "speech": ["libri1", "libri2", "libri3"],
    "animals": ["humpback", "robin", "pibble"],
}


def examples():
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "clips"
        for label, keys in CLIPS.items():
            (root / label).mkdir(parents=True)
            for key in keys:
                os.symlink(librosa.example(key), root / label / f"{key}.ogg")
        table = Path(tmp) / "features.csv"
        summary = extract_folder(root, table, progress=False)
        print(summary)
        X, y, names, frame = load_features(table)
        order = frame["path"].argsort(kind="stable").to_numpy()  # rows come in completion order
        X, y, frame = X[order], y[order], frame.iloc[order]
        results = write_report(
            X,
            y,
            names,
            Path(tmp) / "report.html",
            tracks=frame["path"],
            png_dir=HERE / "figures" / "examples",
            title="librosa's example clips",
        )
        print(results.classification.report.round(3))
        print(results.importance.head(5))


def talk():
    X, y, names, table = load_talk_features()
    out = HERE / "figures" / "talk"
    results = write_report(
        X,
        y,
        names,
        Path(tempfile.gettempdir()) / "talk.html",
        tracks=table["path"],
        png_dir=out,
        title="The talk's 2,333 songs",
        options=ReportOptions(top=15),
    )
    print("all 13 artists:", round(results.classification.accuracy, 3))
    for question, spec in TALK_RESULTS.items():
        keep = select_labels(y, labels=spec.get("labels"), drop_labels=spec.get("drop_labels"))
        result = classify(X[keep], y[keep], random_state=0)
        print(f"{question}: accuracy {result.accuracy:.3f}, talk: {spec}")
        print(result.report.round(2).to_string())


def voices():
    """Tutorial 3: a male/female/music model and a podcast's timeline."""
    import numpy as np
    from matplotlib.figure import Figure

    from musicfeat.segments import (
        change_points,
        plot_timeline,
        predict_proportions,
        predict_timeline,
        train_segment_classifier,
    )

    sr = 22050

    def load(key, **kw):
        return librosa.load(librosa.example(key), sr=sr, **kw)[0]

    l1, l2, l3 = load("libri1"), load("libri2"), load("libri3")
    h2, h3 = len(l2) // 2, len(l3) // 2
    music = [
        load(k, duration=10)
        for k in ("brahms", "vibeace", "choice", "fishin", "sweetwaltz", "pistachio", "trumpet")
    ]
    model, _ = train_segment_classifier(
        [l1, l2[:h2], l3[:h3]] + music, ["male", "male", "female"] + ["music"] * 7
    )
    podcast = np.concatenate([l2[h2:], l3[h3:], load("nutcracker", offset=30, duration=10)])
    timeline = predict_timeline(model, podcast)
    print(predict_proportions(model, podcast, timeline=timeline).round(3).to_dict())
    print(
        "changes", change_points(timeline), "true", [(len(l2) - h2) / sr, (len(l2) - h2 + len(l3) - h3) / sr]
    )
    fig = Figure(figsize=(10, 2.8), layout="constrained")
    ax = plot_timeline(timeline, fig.add_subplot())
    ax.set_title("Podcast: a man reads, then a woman, then music")
    (HERE / "figures" / "voices").mkdir(parents=True, exist_ok=True)
    fig.savefig(HERE / "figures" / "voices" / "timeline.png", dpi=120)

    speech = [load(k) for k in ("libri1", "libri2", "libri3")]
    model, evaluation = train_segment_classifier(speech + music, ["speech"] * 3 + ["music"] * 7)
    print(
        "speech or music:", evaluation.protocol, round(evaluation.accuracy, 3), evaluation.confusion.to_dict()
    )


if __name__ == "__main__":
    which = sys.argv[1:] or ["examples", "talk", "voices"]
    for name in which:
        globals()[name]()
