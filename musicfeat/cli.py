"""The ``musicfeat`` command line.

``musicfeat features [FILE ...]`` prints every named feature of each file
(the bundled example recording when none is given).
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
    parser.print_help(out)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
