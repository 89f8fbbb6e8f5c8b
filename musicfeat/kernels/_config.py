"""Compilation settings shared by every kernel.

One place decides the numba flags and the cache, so that no kernel
hard-codes its own (``tests/test_kernels.py`` checks this): every kernel is
declared with :func:`kernel`.

Kernels are compiled serially, on first use, and cached on disk: a new
process loads the machine code instead of recompiling. The cache is a
per-user folder chosen in :mod:`._cache`, never the package's own
``__pycache__`` (which pip neither owns nor removes).

In the kernels room: numba only, importing nothing else of the package.
"""

from numba import config, njit

from ._cache import enable_user_cache, has_cache_folder, has_cached_code

#: Options every kernel is compiled with. No fastmath: the kernels are
#: comparisons (median) and moment updates whose rounding we test against
#: scipy, and 'nnan'/'ninf' would let LLVM assume away the very values our
#: validation must see. ``error_model='numpy'``: a float division by zero
#: gives inf/NaN as in numpy (callers guard against it) instead of a Python
#: exception check in the inner loops. No ``cache=True``: :func:`kernel`
#: sets up the cache (numba's would write beside the sources).
JIT_OPTIONS = {"nogil": True, "error_model": "numpy"}

#: Every kernel made by :func:`kernel`, in definition order, and those of
#: them that only non-default parameters use.
KERNELS = []
OPTIONAL_KERNELS = []


def kernel(func=None, *, optional=False):
    """Compile ``func`` lazily with :data:`JIT_OPTIONS`, cached in the user's cache folder.

    ``optional=True`` marks a kernel that the default parameters never call
    (:func:`cache_is_warm` does not wait for it).
    """
    if func is None:
        return lambda f: kernel(f, optional=optional)
    dispatcher = enable_user_cache(njit(**JIT_OPTIONS)(func))
    (OPTIONAL_KERNELS if optional else KERNELS).append(dispatcher)
    return dispatcher


def cache_is_warm():
    """True when every kernel that the default parameters use has compiled code in the cache.

    The command line uses it to say, once, that the first call compiles.

    Examples
    --------
    >>> from musicfeat.kernels import cache_is_warm
    >>> isinstance(cache_is_warm(), bool)
    True
    """
    return all(has_cached_code(dispatcher) for dispatcher in KERNELS)


def cache_is_kept():
    """Whether compiled kernels are kept on disk.

    Returns
    -------
    bool
        True when every kernel that the default parameters use writes its
        compilation to a cache folder; False where no folder is writable:
        the kernels then compile in memory, in every process.
    """
    return all(has_cache_folder(dispatcher) for dispatcher in KERNELS)


def jit_is_on():
    """Whether numba compiles the kernels.

    Returns
    -------
    bool
        False under ``NUMBA_DISABLE_JIT=1``, where the kernels run as plain
        Python and nothing compiles.
    """
    return not config.DISABLE_JIT
