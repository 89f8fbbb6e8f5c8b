"""The extractor options of the command line: one per MusicFeatures parameter that changes the features.

Part of the top room (:mod:`musicfeat.cli`). A test keeps the table in step
with :class:`~musicfeat.MusicFeatures`' parameters.
"""

import argparse


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
    from ..groups.registry import FEATURE_SETS

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
    group.add_argument(
        "--engine",
        choices=("auto", "stream", "whole"),
        default=defaults["engine"],
        help="'stream' analyses a file block by block in flat memory, 'whole' holds it whole; 'auto' streams "
        "recordings over 5 minutes. The features are the same (default: %(default)s)",
    )


def _extractor_defaults():
    from ..features import MusicFeatures

    return MusicFeatures().get_params()


def extractor_from_args(args, **extra):
    """A MusicFeatures configured from parsed command-line options."""
    from ..features import MusicFeatures

    if not args.max_duration >= 0:
        raise ValueError(f"--max-duration must be a number of seconds, 0 for none; got {args.max_duration}")
    options = {name: getattr(args, name) for name in _EXTRACTOR_OPTIONS}
    return MusicFeatures(**options, max_duration=args.max_duration or None, engine=args.engine, **extra)
