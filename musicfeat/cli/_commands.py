"""What each command of the command line does: features, extract, report.

Part of the top room (:mod:`musicfeat.cli`): each command reads its parsed
options, calls the library, and says failures on one line of stderr.
"""

import csv
import json
import os
import sys
import warnings

from ._options import extractor_from_args
from ._stderr import quiet_stderr as _quiet_stderr

#: What compiling the kernels costs on a first run: 1.5 to 1.7 s measured on two
#: cores of an x86-64 server (two processes at once), in a fresh venv
#: (README.md, "Set-up"); about 2.3 s on one core.
FIRST_COMPILE_SECONDS = 2


class _KernelCompilation:
    """The kernels' compilation, begun by the command on a cold cache: said and finished before extracting.

    The median filter compiles in a child process from the start
    (``kernels._precompile.Precompilation``); :meth:`finish` says so on one
    line of stderr and compiles the rest here; a command that ends before it
    extracts (a usage error) calls :meth:`abandon`, and nothing is said.
    """

    def __init__(self, message, compile_here):
        from ..kernels._precompile import Precompilation

        self._message = message
        self._work = Precompilation() if compile_here else None

    def finish(self):
        if self._message:
            print(self._message, file=sys.stderr)
            self._message = None
        if self._work is not None:
            self._work.finish()
            self._work = None

    def abandon(self):
        if self._work is not None:
            self._work.abandon()
            self._work = None


def _begin_kernels(*, say=True, compile_here=True):
    """On a cold cache, begin compiling the kernels here; returns the :class:`_KernelCompilation`, or None.

    Called before the command's heavy imports, so that the median filter's
    child compiles meanwhile. ``compile_here=False`` (the batch's workers
    extract, and their fork server compiles): only say it, at ``finish``.
    """
    from ..kernels import cache_is_warm
    from ..kernels._config import cache_is_kept, jit_is_on

    if not jit_is_on() or cache_is_warm():  # NUMBA_DISABLE_JIT: nothing to compile
        return None
    when = "once" if cache_is_kept() else "in every run: no writable cache folder (NUMBA_CACHE_DIR names one)"
    message = f"compiling musicfeat's kernels, {when}: about {FIRST_COMPILE_SECONDS} s" if say else None
    return _KernelCompilation(message, compile_here)


def _error(message):
    """One line on stderr: ``musicfeat: error: MESSAGE``; the usage-error status."""
    print(f"musicfeat: error: {message}", file=sys.stderr)
    return 2


def _os_error(error):
    """An OSError as ``FILE: reason``, naming the file as the user would read it."""
    from ..table_text import printable

    if error.filename is None:
        return str(error)
    return f"{printable(os.fsdecode(error.filename))}: {error.strerror}"


def _features_command(args, out, compiling=None):
    """``compiling``: the kernels' compilation that ``main`` began before building its parser, if cold."""

    from ..datasets import EXAMPLE_ATTRIBUTION, example_audio
    from ..exceptions import InvalidAudioError
    from ..table_text import printable

    files = args.files or [example_audio()]
    if not args.files:
        print(f"# example recording: {EXAMPLE_ATTRIBUTION}", file=out)
    try:
        extractor = extractor_from_args(args)
        if compiling is not None:  # before a codebook's learning pass, which extracts too
            compiling.finish()
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


def _verify_option(extract_folder, verify):
    """``{'verify': verify}`` for an extract_folder that takes it; one that does not hashes every kept file."""
    import inspect

    return {"verify": verify} if "verify" in inspect.signature(extract_folder).parameters else {}


def _feature_set_of_table(output):
    """``(name, version)`` of the feature set a table was extracted with, by its metadata file; else None."""
    from ..feature_table import table_paths
    from ..groups.registry import FEATURE_SETS

    try:
        with open(table_paths(output).meta, encoding="utf-8") as f:
            meta = json.load(f)
        name, version = meta["params"]["feature_set"], meta["feature_set_version"]
    except (OSError, ValueError, KeyError, TypeError):  # none, or not musicfeat's: resume says what is wrong
        return None
    return (name, version) if isinstance(name, str) and name in FEATURE_SETS else None


def _extract_command(args, compiling=None):

    from .._optional import MissingExtraError
    from ..batch import OutputLockedError, extract_folder
    from ..exceptions import DegenerateFeatureWarning
    from ..feature_table import table_paths
    from ..table_text import TableFormatError, printable

    if not os.path.isdir(os.path.expanduser(args.root)):
        return _error(f"no such folder: {args.root!r}")
    if args.jobs is not None and args.jobs < 1:
        return _error(f"--jobs must be at least 1; got {args.jobs}")
    if not args.timeout >= 0:
        return _error(f"--timeout must be a number of seconds, 0 or inf for none; got {args.timeout}")
    timeout = None if args.timeout in (0, float("inf")) else args.timeout
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
    if args.resume and (other := _feature_set_of_table(args.output)) and other[0] != args.feature_set:
        return _error(
            f"cannot resume: {args.output!r} was extracted with feature set {other[0]!r} (version "
            f"{other[1]!r}), this run makes {args.feature_set!r}: add --feature-set {other[0]} (and the "
            "table's other parameters) to resume it, or write to a new file"
        )
    # With workers, the batch's fork server compiles them (musicfeat._warm).
    # Begun by main for --jobs 1 (this process extracts); with workers, only said here.
    compiling = compiling or _begin_kernels(say=not args.quiet, compile_here=args.jobs == 1)
    if compiling is not None:
        compiling.finish()
    try:
        with _quiet_stderr(args.quiet), warnings.catch_warnings():  # the summary says it, on one line
            warnings.simplefilter("ignore", DegenerateFeatureWarning)
            summary = extract_folder(
                args.root,
                args.output,
                extractor=extractor,
                jobs=args.jobs,
                resume=args.resume,
                strict=args.strict,
                progress=False if args.quiet else None,
                timeout=timeout,
                overwrite=args.overwrite,
                **_verify_option(extract_folder, args.verify),
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

    from .._optional import MissingExtraError
    from ..analysis import ReportOptions, write_report
    from ..feature_table import load_features
    from ..table_text import printable

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
    except csv.Error as error:  # what the csv module refuses, had the limit above not sufficed
        return _error(f"{args.table!r} cannot be read as CSV: {error}")
    except OSError as error:
        return _error(_os_error(error))
    c = results.classification
    print(
        f"{args.output}: {len(c.y_true)} test tracks, accuracy {c.accuracy:.3f} "
        f"(chance {c.chance_majority:.3f}); {c.protocol}",
        file=sys.stderr,
    )
    return 0
