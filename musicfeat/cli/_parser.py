"""The argument parser of the command line: its three commands and their options.

Part of the top room (:mod:`musicfeat.cli`).
"""

import argparse

from .._version import FEATURE_SET_VERSION, __version__
from ._options import _add_extractor_options, _str_list


def _build_parser():
    from ..batch.workers import DEFAULT_TIMEOUT

    parser = argparse.ArgumentParser(
        prog="musicfeat",
        description="Music and audio to machine-learning features (the 419-vector of "
        "'Machine learning with music').",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"musicfeat {__version__} (feature set {FEATURE_SET_VERSION})",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    show = commands.add_parser(
        "features",
        help="print the named features of audio files",
        description="Print the named features of each file, one 'name value' line per feature. "
        "Without FILE, the bundled example recording (Brahms, public domain).",
    )
    show.add_argument("files", nargs="*", metavar="FILE", help="audio files (any format libsndfile reads)")
    _add_extractor_options(show)

    extract = commands.add_parser(
        "extract",
        help="extract every audio file under a folder into a table",
        description="Extract the features of every audio file under ROOT (recursively) into one table, "
        "a row per track; a file's label is its first-level subfolder. Rows are written as they finish, "
        "so an interrupted run keeps them and --resume does the rest. Failures go to "
        "FEATURES.errors.csv beside the output (features.csv.errors.csv for -o features.csv). Exit status: 0 all files succeeded, 1 some failed, "
        "2 usage error or an output that cannot be written, 130 interrupted.",
    )
    extract.add_argument("root", metavar="ROOT", help="folder of audio files (one subfolder per label)")
    extract.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FEATURES",
        help="output table: .csv, or .parquet (needs pyarrow)",
    )
    extract.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: all cores); 1 runs in this process, without the time limit "
        "and without crash isolation",
    )
    extract.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="time limit per file in a worker process, after which the file fails and its worker is "
        "replaced (default: %(default)g; 0 or inf for none)",
    )
    extract.add_argument(
        "--resume", action="store_true", help="keep finished rows of OUTPUT and extract only the rest"
    )
    extract.add_argument(
        "--overwrite",
        action="store_true",
        help="start OUTPUT again when it holds finished rows (without --resume or this, such a table is left "
        "as it is and the run refused)",
    )
    extract.add_argument(
        "--verify",
        action="store_true",
        help="with --resume: hash every file that has a row again, rather than trusting an unchanged size "
        "and modification time",
    )
    extract.add_argument("--strict", action="store_true", help="stop at the first failure")
    extract.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    extract.add_argument(
        "--fitted",
        metavar="STATE.npz",
        help="for a feature set that learns (extended): encode with this learnt state (another "
        "table's FEATURES.fitted.npz, or MusicFeatures.save_fitted) instead of learning it from ROOT",
    )
    _add_extractor_options(extract)

    report = commands.add_parser(
        "report",
        help="the talk's analyses of a feature table, as one interactive HTML page",
        description="Maps of the tracks (SVD, t-SNE), the similarity of labels, a classification report "
        "with confusion matrix and chance levels, feature importance and the class balance, in one "
        "self-contained HTML page (works offline). Any CSV with a label column and numeric feature "
        "columns will do, not only musicfeat's.",
    )
    report.add_argument("table", metavar="FEATURES", help="feature table (.csv or .parquet)")
    report.add_argument("-o", "--output", required=True, metavar="REPORT.html", help="the HTML page to write")
    report.add_argument(
        "--labels", type=_str_list, help="keep only these labels, comma-separated ('A or B?')"
    )
    report.add_argument("--drop-labels", type=_str_list, help="drop these labels, comma-separated")
    report.add_argument("--label-column", default="label", help="column of the labels (default: %(default)s)")
    report.add_argument(
        "--track-column", default="path", help="column naming each track (default: %(default)s)"
    )
    report.add_argument(
        "--group-column", help="album or artist column: keep each group on one side of the split"
    )
    report.add_argument(
        "--test-size", type=float, default=0.5, help="hold-out share of each label (default: %(default)s)"
    )
    report.add_argument("--cv", type=int, help="k-fold cross-validation instead of the hold-out split")
    report.add_argument(
        "--seed", type=int, default=0, help="seed of every random step (default: %(default)s)"
    )
    report.add_argument("--no-tsne", action="store_true", help="skip the t-SNE map (faster on large tables)")
    report.add_argument(
        "--top", type=int, default=20, help="features in the importance chart (default: %(default)s)"
    )
    report.add_argument("--png", metavar="DIR", help="also write static PNG figures into DIR")
    report.add_argument("--title", default=None, help="page title (default: the table's file name)")
    return parser
