"""Under ``-q``, the process's stderr pointed at the null device: a leaf of :mod:`musicfeat.cli` that imports nothing heavy.

The command line's early start of the worker processes' fork server
(:func:`musicfeat.cli._start_workers_early`) runs before anything else is
imported, and the server's children inherit its stderr, not the run's.
"""

import contextlib
import os
import sys

__all__ = ["quiet_stderr"]


@contextlib.contextmanager
def quiet_stderr(quiet):
    """Under ``-q``, what others write on stderr during the run goes nowhere; musicfeat's own lines come after.

    Decoders write notes on the process's stderr themselves (mpg123's "Note:
    Trying to resync..."), and numpy its warnings, here and in the worker
    processes, which inherit this stderr: the file descriptor is pointed at
    the null device for the run, and back before any error is said.
    """
    if not quiet:
        yield
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
