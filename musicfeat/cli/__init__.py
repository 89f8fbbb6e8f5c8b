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
(``musicfeat features f | head``) ends quietly, and output that cannot be
written (a full disk) is one line and status 2.

The top room: it reads the batch, the feature table, the analyses and
:class:`~musicfeat.MusicFeatures`, and nothing imports it. Its extractor
options come from one table that a test keeps in step with MusicFeatures'
parameters. Its modules: ``_parser`` (the commands and their options),
``_options`` (the extractor options' table), ``_commands`` (what each
command does).
"""

import os
import sys

from ._commands import _begin_kernels, _extract_command, _features_command, _report_command
from ._options import _EXTRACTOR_OPTIONS, extractor_from_args  # noqa: F401 (the table, for tests)
from ._parser import _build_parser

__all__ = ["main", "extractor_from_args"]


def main(argv=None, out=None):
    """Run the command line; returns the exit status (0 ok, 1 some files failed, 2 usage)."""
    out = out if out is not None else sys.stdout
    early = _peek(sys.argv[1:] if argv is None else argv)
    _start_workers_early(early)
    compiling = _start_compiling_early(early)
    try:
        return _run(argv, out, compiling)
    except KeyboardInterrupt:  # anywhere else than in a batch, which says what it kept
        print("musicfeat: interrupted", file=sys.stderr)
        return 130
    finally:
        if compiling is not None:  # finished by a command that extracted; else its child stops here
            compiling.abandon()


def _run(argv, out, compiling):
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if args.command == "features":
            status = _features_command(args, out, compiling)
        elif args.command == "extract":
            status = _extract_command(args, compiling)
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
        _drop_output(out)
        return 1
    except OSError as error:  # the output cannot be written (a full disk, /dev/full)
        _drop_output(out)
        print(f"musicfeat: error: cannot write the output: {error.strerror or error}", file=sys.stderr)
        return 2


#: What the batch's fork server imports (``musicfeat.batch.workers._PRELOAD``,
#: which a test keeps equal), named here because importing the batch is the
#: very import this start runs beside.
_WORKER_PRELOAD = ("musicfeat", "musicfeat.batch.workers", "musicfeat._warm")


def _peek(argv):
    """The command, ``--jobs``, ``--help`` and ``--quiet`` of a command line, read before the parser is built.

    Building the parser imports scikit-learn (a second on a first run): what
    can start before it does, below. None when there is nothing to start
    (no command, ``--help``, a ``--jobs`` that is not a number: the parser
    then says what is wrong).
    """
    import argparse

    argv = list(argv)
    if not argv or argv[0] not in ("features", "extract"):
        return None
    peek = argparse.ArgumentParser(add_help=False)
    peek.add_argument("-j", "--jobs")
    peek.add_argument("-h", "--help", action="store_true")
    peek.add_argument("-q", "--quiet", action="store_true")
    try:
        known, _ = peek.parse_known_args(argv[1:])
        jobs = None if known.jobs is None else int(known.jobs)
    except (SystemExit, ValueError):
        return None
    if known.help:
        return None
    return argparse.Namespace(command=argv[0], jobs=jobs, quiet=known.quiet)


def _start_compiling_early(early):
    """For a command that extracts in this process: on a cold cache, start compiling the kernels.

    ``features``, and ``extract --jobs 1``: the median filter compiles in a
    child process while this one builds the parser (see :func:`_peek`); the
    command finishes the compilation before it extracts.
    """
    if early is None or not (early.command == "features" or early.jobs == 1):
        return None
    return _begin_kernels(say=not (early.command == "extract" and early.quiet))


def _start_workers_early(early):
    """For ``extract`` with worker processes: start their fork server before anything heavy is imported.

    Its own imports and kernel warm-up (about 1.3 s) then run while this
    process imports musicfeat and builds the extractor, instead of after
    (the batch would start the same server at its first worker). Not for
    ``--jobs 1``, nor ``--help``; a command line it cannot read is left to
    the parser.
    """
    if early is None or early.command != "extract" or (early.jobs is not None and early.jobs < 2):
        return
    import multiprocessing

    try:
        context = multiprocessing.get_context("forkserver")
    except ValueError:  # no fork server (Windows): workers are spawned
        return
    context.set_forkserver_preload(list(_WORKER_PRELOAD))
    from multiprocessing import forkserver

    from ._stderr import quiet_stderr

    with quiet_stderr(early.quiet):  # under -q the workers, the server's children, write nowhere too
        forkserver.ensure_running()


def _drop_output(out):
    """Send what remains of stdout nowhere, so that the interpreter's last flush cannot fail again."""
    if out is sys.stdout:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
