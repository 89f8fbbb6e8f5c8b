"""The ``musicfeat`` command line.

``musicfeat features [FILE ...]`` prints every named feature of each file
(the bundled example recording when none is given).
``musicfeat extract ROOT -o FEATURES.csv`` extracts a whole folder.
``musicfeat report FEATURES.csv -o REPORT.html`` makes the talk's analyses
of a feature table into one interactive page.

Exit status: 0 when every file succeeded, 1 when some failed, 2 for usage
errors (and an output that cannot be written), 130 when interrupted. Every
error is one line on stderr naming the file. A file name is printed escaped
(:func:`~musicfeat.table_text.printable`), so a name holding a line feed
cannot pass for a line of the output; output into a closed pipe
(``musicfeat features f | head``) ends quietly.

The top room: it reads the batch, the feature table, the analyses and
:class:`~musicfeat.MusicFeatures`, and nothing imports it. Its extractor
options come from one table that a test keeps in step with MusicFeatures'
parameters.
"""

import argparse
import os
import sys
import warnings

from ._version import FEATURE_SET_VERSION, __version__


def _build_parser():
    from .batch.workers import DEFAULT_TIMEOUT

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
        "FEATURES.errors.csv beside the output. Exit status: 0 all files succeeded, 1 some failed, "
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
        "replaced (default: %(default)g; 0 for none)",
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


def _str_list(text):
    items = [part.strip() for part in text.split(",") if part.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected comma-separated names")
    return items


def _int_tuple(text):
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def _float_tuple(text):
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


#: Every MusicFeatures parameter that changes the features, as a command-line
#: option: (parser of the text, metavar, help). A test checks that none is missing.
_EXTRACTOR_OPTIONS = {
    "feature_set": (str, "NAME", "named feature set"),
    "include": (_str_list, "GROUPS", "only these groups of the feature set, comma-separated"),
    "sr": (int, "HZ", "analysis sample rate"),
    "n_fft": (int, "N", "STFT frame length"),
    "hop_length": (int, "N", "STFT hop"),
    "kernel_size": (int, "N", "HPSS median filter length"),
    "hpss_power": (float, "P", "HPSS soft-mask exponent"),
    "hpss_margin": (float, "M", "HPSS margin"),
    "band_counts": (_int_tuple, "N,N,...", "band sets of BandEnergy"),
    "band_fmin": (float, "HZ", "lowest band edge of BandEnergy"),
    "band_fmax": (float, "HZ", "highest band edge of BandEnergy"),
    "window_seconds": (_float_tuple, "S,S,...", "window widths of WindowedStats in seconds"),
    "n_mfcc": (int, "N", "MFCCs of MFCCFeatures (group 'mfcc')"),
    "pitch_fmin": (float, "HZ", "lowest f0 of PitchFeatures (group 'pitch')"),
    "pitch_fmax": (float, "HZ", "highest f0 of PitchFeatures (group 'pitch')"),
    "vlad_clusters": (int, "N", "codewords of HPMFCCVLAD (group 'hp_mfcc_vlad', set 'extended')"),
    "vlad_frames": (int, "N", "most frames per track pooled for HPMFCCVLAD's codebook"),
    "random_state": (int, "N", "seed of HPMFCCVLAD's k-means"),
}


def _add_extractor_options(parser):
    from .groups.registry import FEATURE_SETS

    defaults = _extractor_defaults()
    group = parser.add_argument_group("extractor parameters (see MusicFeatures)")
    for name, (parse, metavar, text) in _EXTRACTOR_OPTIONS.items():
        default = defaults[name]
        if name == "feature_set":
            sets = "; ".join(f"{n}: {fs.description}" for n, fs in FEATURE_SETS.items())
            text = f"{text}, one of {sets} (default: {default})"
        elif name == "include":
            offered = ", ".join(FEATURE_SETS[defaults["feature_set"]].available_groups)
            text = f"{text} (default: all its groups; {defaults['feature_set']} offers {offered})"
        else:
            shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
            text = f"{text} (default: {shown})"
        group.add_argument(
            "--" + name.replace("_", "-"), dest=name, type=parse, default=default, metavar=metavar, help=text
        )
    group.add_argument(  # how to run, not what to compute: not in the table's parameters
        "--max-duration",
        type=float,
        default=defaults["max_duration"],
        metavar="SECONDS",
        help="refuse files longer than this, read from their header before decoding "
        "(default: %(default)g; 0 for no limit)",
    )


def _extractor_defaults():
    from .features import MusicFeatures

    return MusicFeatures().get_params()


def extractor_from_args(args, **extra):
    """A MusicFeatures configured from parsed command-line options."""
    from .features import MusicFeatures

    if not args.max_duration >= 0:
        raise ValueError(f"--max-duration must be a number of seconds, 0 for none; got {args.max_duration}")
    options = {name: getattr(args, name) for name in _EXTRACTOR_OPTIONS}
    return MusicFeatures(**options, max_duration=args.max_duration or None, **extra)


#: What compiling the kernels costs on a first run: 2.0 s measured on two
#: cores of an x86-64 server, in a fresh venv (README.md, "Set-up").
FIRST_COMPILE_SECONDS = 2


def _announce_compilation():
    """One line on stderr when this run will compile the kernels (a cold cache), else nothing."""
    from .kernels import cache_is_warm

    if not cache_is_warm():
        print(f"compiling musicfeat's kernels, once: about {FIRST_COMPILE_SECONDS} s", file=sys.stderr)


def _error(message):
    """One line on stderr: ``musicfeat: error: MESSAGE``; the usage-error status."""
    print(f"musicfeat: error: {message}", file=sys.stderr)
    return 2


def _os_error(error):
    """An OSError as ``FILE: reason``, naming the file as the user would read it."""
    from .table_text import printable

    if error.filename is None:
        return str(error)
    return f"{printable(os.fsdecode(error.filename))}: {error.strerror}"


def _features_command(args, out):

    from .datasets import EXAMPLE_ATTRIBUTION, example_audio
    from .exceptions import InvalidAudioError
    from .table_text import printable

    files = args.files or [example_audio()]
    if not args.files:
        print(f"# example recording: {EXAMPLE_ATTRIBUTION}", file=out)
    try:
        extractor = extractor_from_args(args)
        if extractor.__sklearn_tags__().requires_fit:
            # A codebook learnt from the files given (unreadable ones left out, and said below).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                extractor.set_params(on_error="nan").fit(files).set_params(on_error="raise")
        else:
            extractor.fit()
    except ValueError as error:
        return _error(error)
    names = extractor.get_feature_names_out()
    _announce_compilation()
    status = 0
    for path in files:
        try:
            with warnings.catch_warnings(record=True) as caught:  # said on one line, naming the file
                warnings.simplefilter("always")
                row = extractor.transform([path])[0]
        except InvalidAudioError as error:  # named as the user typed it, not as X[0]
            print(f"musicfeat: {printable(path)}: {error.reason}", file=sys.stderr)
            status = 1
            continue
        for warning in caught:
            print(f"musicfeat: {printable(path)}: warning: {warning.message}", file=sys.stderr)
        shown = printable(path)  # escaped: a line feed in a name cannot pass for a line
        print(f"# {shown}: {len(names)} features, feature set {extractor.feature_set_version_}", file=out)
        for name, value in zip(names, row, strict=True):
            print(f"{name} {value:.10g}", file=out)
    return status


def _extract_command(args):

    from ._optional import MissingExtraError
    from .batch import OutputLockedError, extract_folder
    from .exceptions import DegenerateFeatureWarning
    from .feature_table import table_paths
    from .table_text import TableFormatError, printable

    if not os.path.isdir(os.path.expanduser(args.root)):
        return _error(f"no such folder: {args.root!r}")
    if args.jobs is not None and args.jobs < 1:
        return _error(f"--jobs must be at least 1; got {args.jobs}")
    if not args.timeout >= 0:
        return _error(f"--timeout must be a number of seconds, 0 for none; got {args.timeout}")
    try:
        extractor = extractor_from_args(args)
        if args.fitted is not None:
            extractor.load_fitted(args.fitted)
        elif extractor.__sklearn_tags__().requires_fit:
            extractor.describe_features()  # checks the parameters; extract_folder fits on the folder
        else:
            extractor.fit()
    except OSError as error:
        return _error(_os_error(error))
    except ValueError as error:
        return _error(error)
    if not args.quiet:
        _announce_compilation()
    try:
        with warnings.catch_warnings():  # the summary says it, on one line
            warnings.simplefilter("ignore", DegenerateFeatureWarning)
            summary = extract_folder(
                args.root,
                args.output,
                extractor=extractor,
                jobs=args.jobs,
                resume=args.resume,
                strict=args.strict,
                progress=False if args.quiet else None,
                timeout=args.timeout or None,
                overwrite=args.overwrite,
            )
    except (ValueError, OutputLockedError, TableFormatError, MissingExtraError) as error:
        return _error(error)  # ValueError: a resume refused, or nothing a learning set could learn from
    except FileExistsError as error:
        return _error(
            f"{printable(os.fsdecode(error.filename))}: it holds finished rows; run again with --resume to keep them and extract the rest, "
            "or with --overwrite to start again"
        )
    except OSError as error:
        rows = table_paths(args.output).rows
        kept = os.path.isfile(rows) and os.path.getsize(rows) > 0
        return _error(
            _os_error(error) + ("; finished rows are kept: run again with --resume" if kept else "")
        )
    except KeyboardInterrupt:
        print("musicfeat: interrupted; finished rows are kept: run again with --resume", file=sys.stderr)
        return 130
    if not args.quiet:
        print(summary, file=sys.stderr)
    return 1 if summary.failed else 0


def _report_command(args):
    import numpy as np

    from ._optional import MissingExtraError
    from .analysis import ReportOptions, write_report
    from .feature_table import load_features
    from .table_text import printable

    if not os.path.isfile(os.path.expanduser(args.table)):
        return _error(f"no such file: {args.table!r}")
    try:
        X, y, names, table = load_features(args.table, label_column=args.label_column, finite=True)
        if y is None:
            raise ValueError(f"the table has no column {args.label_column!r} (see --label-column)")
        # Names as shown on the page: escaped (lossless, so labels stay distinct).
        y = np.array([printable(label) for label in y], dtype=str)
        tracks = None
        if args.track_column in table.columns:
            # The page depends on the table's content only, not on its row
            # order: rows in the order of their names (a complete run's order).
            order = np.argsort(np.array([str(name) for name in table[args.track_column]]), kind="stable")
            X, y, table = X[order], y[order], table.iloc[order].reset_index(drop=True)
            tracks = np.array([printable(str(name)) for name in table[args.track_column]], dtype=str)
        groups = None
        if args.group_column:
            if args.group_column not in table.columns:
                raise ValueError(f"the table has no column {args.group_column!r} (see --group-column)")
            groups = table[args.group_column].to_numpy()
            keep = [i for i, n in enumerate(names) if n != args.group_column]
            X, names = X[:, keep], [names[i] for i in keep]
        options = ReportOptions(
            labels=args.labels,
            drop_labels=args.drop_labels,
            test_size=args.test_size,
            cv=args.cv,
            seed=args.seed,
            tsne=not args.no_tsne,
            top=args.top,
        )
        results = write_report(
            X,
            y,
            names,
            args.output,
            tracks=tracks,
            groups=groups,
            options=options,
            png_dir=args.png,
            title=args.title or f"musicfeat report: {os.path.basename(args.table)}",
        )
    except (ValueError, MissingExtraError) as error:
        return _error(error)
    except OSError as error:
        return _error(_os_error(error))
    c = results.classification
    print(
        f"{args.output}: {len(c.y_true)} test tracks, accuracy {c.accuracy:.3f} "
        f"(chance {c.chance_majority:.3f}); {c.protocol}",
        file=sys.stderr,
    )
    return 0


def main(argv=None, out=None):
    """Run the command line; returns the exit status (0 ok, 1 some files failed, 2 usage)."""
    out = out if out is not None else sys.stdout
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if args.command == "features":
            status = _features_command(args, out)
        elif args.command == "extract":
            status = _extract_command(args)
        elif args.command == "report":
            status = _report_command(args)
        else:
            parser.print_help(out)
            return 2
        out.flush()  # a closed pipe shows here, not at exit
        return status
    except BrokenPipeError:
        # As the Python documentation recommends ("Note on SIGPIPE"): the
        # reader stopped reading (``| head``); send what remains nowhere.
        if out is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
