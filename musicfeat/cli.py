"""The ``musicfeat`` command line.

``musicfeat features [FILE ...]`` prints every named feature of each file
(the bundled example recording when none is given).
``musicfeat extract ROOT -o FEATURES.csv`` extracts a whole folder.

Exit status: 0 when every file succeeded, 1 when some failed, 2 for usage
errors, 130 when interrupted.
"""

import argparse
import sys

from ._version import FEATURE_SET_VERSION, __version__


def _build_parser():
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
        "2 usage error, 130 interrupted.",
    )
    extract.add_argument("root", metavar="ROOT", help="folder of audio files (one subfolder per label)")
    extract.add_argument(
        "-o", "--output", required=True, metavar="FEATURES", help="output table: .csv, or .parquet (needs pyarrow)"
    )
    extract.add_argument(
        "-j", "--jobs", type=int, default=None, metavar="N",
        help="worker processes (default: all cores); 1 runs in this process",
    )
    extract.add_argument("--resume", action="store_true", help="keep finished rows of OUTPUT and extract only the rest")
    extract.add_argument("--strict", action="store_true", help="stop at the first failure")
    extract.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    _add_extractor_options(extract)
    return parser


def _add_extractor_options(parser):
    group = parser.add_argument_group("extractor parameters (see MusicFeatures)")
    group.add_argument("--sr", type=int, default=22050, help="analysis sample rate in Hz (default: %(default)s)")
    group.add_argument("--n-fft", type=int, default=2048, help="STFT frame length (default: %(default)s)")
    group.add_argument("--hop-length", type=int, default=512, help="STFT hop (default: %(default)s)")
    group.add_argument("--kernel-size", type=int, default=31, help="HPSS median filter length (default: %(default)s)")
    group.add_argument(
        "--band-counts",
        type=_int_tuple,
        default=(4, 11, 24),
        help="band sets of BandEnergy, comma-separated (default: 4,11,24)",
    )
    group.add_argument(
        "--window-seconds",
        type=_float_tuple,
        default=(0.5, 1, 3, 5),
        help="window widths of WindowedStats in seconds, comma-separated (default: 0.5,1,3,5)",
    )


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


def extractor_from_args(args, **extra):
    """A MusicFeatures configured from parsed command-line options."""
    from .features import MusicFeatures

    return MusicFeatures(
        sr=args.sr,
        n_fft=args.n_fft,
        hop_length=args.hop_length,
        kernel_size=args.kernel_size,
        band_counts=args.band_counts,
        window_seconds=args.window_seconds,
        **extra,
    )


def _features_command(args, out):
    from .datasets import EXAMPLE_ATTRIBUTION, example_audio
    from .exceptions import InvalidAudioError

    files = args.files or [example_audio()]
    if not args.files:
        print(f"# example recording: {EXAMPLE_ATTRIBUTION}", file=out)
    extractor = extractor_from_args(args)
    try:
        extractor.fit()
    except ValueError as error:
        print(f"musicfeat: error: {error}", file=sys.stderr)
        return 2
    names = extractor.get_feature_names_out()
    status = 0
    for path in files:
        try:
            row = extractor.transform([path])[0]
        except InvalidAudioError as error:
            print(f"musicfeat: {error}", file=sys.stderr)
            status = 1
            continue
        print(f"# {path}: {len(names)} features, feature set {FEATURE_SET_VERSION}", file=out)
        for name, value in zip(names, row):
            print(f"{name} {value:.10g}", file=out)
    return status


def _extract_command(args):
    import os

    from .batch import ResumeMismatchError, extract_folder

    if not os.path.isdir(args.root):
        print(f"musicfeat: error: no such folder: {args.root!r}", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 1:
        print(f"musicfeat: error: --jobs must be at least 1; got {args.jobs}", file=sys.stderr)
        return 2
    extractor = extractor_from_args(args)
    try:
        extractor.fit()
    except ValueError as error:
        print(f"musicfeat: error: {error}", file=sys.stderr)
        return 2
    try:
        summary = extract_folder(
            args.root,
            args.output,
            extractor=extractor,
            jobs=args.jobs,
            resume=args.resume,
            strict=args.strict,
            progress=False if args.quiet else None,
        )
    except ResumeMismatchError as error:
        print(f"musicfeat: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("musicfeat: interrupted; finished rows are kept: run again with --resume", file=sys.stderr)
        return 130
    if not args.quiet:
        print(summary, file=sys.stderr)
    return 1 if summary.failed else 0


def main(argv=None, out=None):
    """Run the command line; returns the exit status (0 ok, 1 some files failed, 2 usage)."""
    out = out if out is not None else sys.stdout
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command == "features":
        return _features_command(args, out)
    if args.command == "extract":
        return _extract_command(args)
    parser.print_help(out)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
