"""Regenerate the tutorials' figures and numbers.

    LIBROSA_DATA_DIR=... python docs/tutorials/make_figures.py

Writes docs/tutorials/figures/{examples,talk}/*.png and prints the numbers
quoted in the tutorials.
"""

import os
import sys
import tempfile
from pathlib import Path

import librosa

from musicfeat import extract_folder, load_features
from musicfeat.analysis import classify, select_labels
from musicfeat.analysis.report import write_report
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
            X, y, names, Path(tmp) / "report.html", tracks=frame["path"], png_dir=HERE / "figures" / "examples",
            title="librosa's example clips",
        )
        print(results.classification.report.round(3))
        print(results.importance.head(5))


def talk():
    X, y, names, table = load_talk_features()
    out = HERE / "figures" / "talk"
    results = write_report(X, y, names, Path(tempfile.gettempdir()) / "talk.html", tracks=table["path"],
                           png_dir=out, title="The talk's 2,333 songs", top=15)
    print("all 13 artists:", round(results.classification.accuracy, 3))
    for question, spec in TALK_RESULTS.items():
        keep = select_labels(y, labels=spec.get("labels"), drop_labels=spec.get("drop_labels"))
        result = classify(X[keep], y[keep], random_state=0)
        print(f"{question}: accuracy {result.accuracy:.3f}, talk: {spec}")
        print(result.report.round(2).to_string())


if __name__ == "__main__":
    which = sys.argv[1:] or ["examples", "talk"]
    for name in which:
        globals()[name]()
