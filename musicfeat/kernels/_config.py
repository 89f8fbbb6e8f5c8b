"""Compilation settings shared by every kernel.

One place decides the numba flags so that no kernel hard-codes its own
(``tests/test_kernels.py`` checks this).

Kernels are compiled serially with ``cache=True``: a new process loads the
machine code from disk instead of recompiling. numba writes the cache beside
the source in ``__pycache__``; when site-packages is read-only it falls back
to a per-user directory (``~/.cache/numba`` or ``NUMBA_CACHE_DIR``), so a
system-wide install still starts warm from the second process on.

In the kernels room: numba only, importing nothing else of the package.
"""

#: Options every kernel is compiled with. No fastmath: the kernels are
#: comparisons (median) and moment updates whose rounding we test against
#: scipy, and 'nnan'/'ninf' would let LLVM assume away the very values our
#: validation must see. ``error_model='numpy'``: a float division by zero
#: gives inf/NaN as in numpy (callers guard against it) instead of a Python
#: exception check in the inner loops.
JIT_OPTIONS = {"nogil": True, "cache": True, "error_model": "numpy"}
