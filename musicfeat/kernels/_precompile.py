"""Compile the default kernels into the cache now, on two cores when there are two.

numba compiles on one thread, serially: on a cold cache the first extraction
waits about 2.3 s for LLVM, half of it for the median filter alone. Kernels
are cached one index file per function, so two processes can fill the cache
side by side without touching each other's files: here a forked child
compiles the median filter while this process compiles the others, and the
dispatchers of this process then load the child's code from the cache.

Each part calls the public wrappers on tiny inputs of the types the feature
groups pass (``tests/test_kernel_cache.py`` checks that a default extraction
afterwards compiles nothing).

In the kernels room: numba only, importing nothing else of the package.
"""

import os
import sys
import threading
import warnings

import numpy as np

from ._cache import has_cache_folder
from ._config import cache_is_warm
from .masks import apply_hpss_masks
from .median import _median_lanes, median_filter_axis
from .moments import windowed_moment_means
from .peaks import pick_spectral_peaks

#: Spectrogram rows at the default n_fft (the peak picker checks the shape).
_BINS = 1025

#: Seconds to wait for the child before compiling its share here (it takes
#: about 1.5 s; this only bounds a child that hangs).
_CHILD_TIMEOUT = 120.0


def _spectrogram(frames):
    # Fortran order, as the front end's S (frames of the STFT, transposed).
    return np.ones((_BINS, frames), dtype=np.float32, order="F")


def _compile_median():
    S = _spectrogram(3)
    median_filter_axis(S, 3, axis=-1)  # along the lanes
    median_filter_axis(S, 3, axis=-2)  # through tiles of lanes


def _compile_others():
    S = _spectrogram(4)
    apply_hpss_masks(S, S.copy(order="F"), S.copy(order="F"), out=(S.copy(order="F"), S.copy(order="F")))
    windowed_moment_means(np.arange(6.0), 3)
    pick_spectral_peaks(S[:, 1:3], 22050, 2 * (_BINS - 1))  # a block of frames


def _can_share_the_work():
    # 'fork' only: a spawned child would import the package again (a second
    # or more) before compiling anything. Forking is safe while no other
    # Python thread runs (none can hold a lock the child would need; BLAS's
    # own threads stay idle, and the child never calls BLAS). Without a cache
    # folder the child's code could not reach this process.
    import multiprocessing

    return (
        sys.platform.startswith("linux")
        and len(os.sched_getaffinity(0)) >= 2
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon  # may not start children (pool, Dask workers)
        and has_cache_folder(_median_lanes)
    )


def _compile_median_quietly():
    # In the child: whatever fails here, the parent compiles the median
    # itself afterwards (and says why, if it fails there too). Ctrl-C in a
    # terminal reaches the whole process group: the parent, interrupted,
    # stops the child; the child has nothing to say about it.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _compile_median()
    except Exception:
        pass


def _start_child(target):
    import multiprocessing

    child = multiprocessing.get_context("fork").Process(target=target, daemon=True)
    with warnings.catch_warnings():
        # Python 3.12+ warns on any fork of a process with OS threads (here
        # BLAS's idle pool): the condition checked in _can_share_the_work.
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    return child


class Precompilation:
    """Compiling the kernels, begun: the median filter in a child process where it can, the rest at :meth:`finish`.

    :func:`precompile` finishes it at once; the command line makes it before
    its own imports (scikit-learn's, a second) and finishes it after them,
    so that the child compiles meanwhile.
    """

    def __init__(self):
        self._child = _start_child(_compile_median_quietly) if _can_share_the_work() else None

    def abandon(self):
        """Stop the child, if any, without compiling here (the caller will not extract)."""
        if self._child is not None:
            self._child.kill()
            self._child.join()
            self._child = None

    def finish(self):
        """Compile the other kernels here, wait for the child, and load (or compile) its share."""
        _compile_others()
        if self._child is not None:
            self._child.join(_CHILD_TIMEOUT)
            if self._child.is_alive():
                self._child.kill()
                self._child.join()
            self._child = None
        # The child's code is now in the cache (loaded on first use); if the
        # child failed (cache not written, killed, timed out), this compiles it.
        _compile_median()


def precompile():
    """Compile every kernel that the default parameters use into the cache, unless it is there.

    The first extraction on a machine compiles the kernels (seconds, once;
    later processes load them from the cache folder, :func:`cache_dir`).
    Calling this first, e.g. while building a container image or before
    timing anything, moves that cost here. On Linux with at least two CPUs,
    called where no other Python thread runs (a script, the command line;
    not a notebook) and not from a daemonic worker, the median filter (half
    of the work) compiles in a forked child process at the same time as the
    rest; otherwise all compile here, one after the other. The command line
    does this when the cache is cold, the child starting before its own
    imports.

    Returns
    -------
    bool
        False when the cache already held every kernel, else True. Without
        a writable cache folder (see :func:`cache_dir`) the kernels compile
        in memory, once per process, and every call returns True.

    Examples
    --------
    >>> from musicfeat.kernels import cache_is_warm, precompile
    >>> _ = precompile()
    >>> cache_is_warm()
    True
    """
    if cache_is_warm():
        return False
    Precompilation().finish()
    return True
