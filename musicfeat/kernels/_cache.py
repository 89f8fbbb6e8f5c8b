"""Where the compiled kernels are kept: a per-user cache folder, never site-packages.

numba's ``cache=True`` writes its ``.nbi``/``.nbc`` files beside the source,
in ``__pycache__``. pip does not own those files: ``pip uninstall`` leaves
them behind, and the folder they keep alive in site-packages shadows a later
editable install (numba issues #9312 and #9350). So musicfeat's kernels
choose their own cache folder, through numba's cache-locator mechanism,
for these kernels only (other libraries' numba functions are untouched):

1. ``NUMBA_CACHE_DIR``, when set, wins, exactly as for every numba function
   (numba's own ``UserProvidedCacheLocator``);
2. otherwise :func:`cache_dir`: the user's cache folder (``platformdirs``:
   ``$XDG_CACHE_HOME/musicfeat`` or ``~/.cache/musicfeat`` on Linux,
   ``~/Library/Caches/musicfeat`` on macOS, ``%LOCALAPPDATA%`` on Windows),
   in a subfolder named by the numba and Python versions and a digest of
   this package's sources. Code compiled from other kernel sources is never
   loaded, whatever numba's own staleness check makes of file times, and
   installs with the same sources share one compilation;
3. if neither folder can be written, kernels compile in memory in each
   process: slower to start, never an error.

Deleting the folder is always safe.

In the kernels room: numba (and platformdirs) only, importing nothing else of
the package.
"""

import hashlib
import os
import shutil
import sys
from pathlib import Path

import numba
from numba.core import caching, config

#: numba 0.59-0.6x name the locators with a leading underscore.
_UserProvidedCacheLocator = (
    getattr(caching, "UserProvidedCacheLocator", None) or caching._UserProvidedCacheLocator
)


def _sources_digest():
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_dir():
    """The folder that holds musicfeat's compiled kernels when ``NUMBA_CACHE_DIR`` is unset.

    Returns
    -------
    pathlib.Path
        ``<user cache>/musicfeat/kernels/numba<version>-py<major><minor>-<digest>``.

    Examples
    --------
    >>> from musicfeat.kernels import cache_dir
    >>> cache_dir().parent.name
    'kernels'
    """
    import platformdirs

    tag = f"numba{numba.__version__}-py{sys.version_info[0]}{sys.version_info[1]}-{_SOURCES_DIGEST}"
    return Path(platformdirs.user_cache_dir("musicfeat", appauthor=False)) / "kernels" / tag


def active_cache_dir():
    """Where kernels compiled now are written: ``NUMBA_CACHE_DIR`` if set, else :func:`cache_dir`."""
    return Path(config.CACHE_DIR) if config.CACHE_DIR else cache_dir()


class _UserCacheLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
    """numba locator for :func:`cache_dir` (a source-file-backed locator, as numba's own)."""

    def __init__(self, py_func, py_file):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = str(cache_dir())

    def get_cache_path(self):
        return self._cache_path


class _KernelCacheImpl(caching.CompileResultCacheImpl):
    # numba tries each locator in turn; its in-tree (__pycache__) and
    # user-wide locators are left out on purpose.
    _locator_classes = [_UserProvidedCacheLocator, _UserCacheLocator]


class _KernelFunctionCache(caching.FunctionCache):
    """numba's function cache in musicfeat's folder, which a damaged index does not break.

    numba raises on an index it cannot read (cut short, overwritten, not a
    file), at every load and every save: the kernel could then never run.
    Here such an index is removed and the kernel compiled afresh, which
    writes a new one.
    """

    _impl_class = _KernelCacheImpl

    def load_overload(self, sig, target_context):
        try:
            return super().load_overload(sig, target_context)
        except Exception:  # pickle, OSError, EOFError...: whatever the bytes made of numba's reader
            self._remove_index()
            return None

    def _remove_index(self):
        path = self._cache_file._index_path
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
        except OSError:  # gone already, or not ours to remove: the save below fails alone
            pass

    def save_overload(self, sig, data):
        try:
            super().save_overload(sig, data)
        except Exception:  # the compiled code stays in memory; a later process compiles again
            pass


def enable_user_cache(dispatcher):
    """Cache ``dispatcher``'s compilations in :func:`active_cache_dir`.

    What ``cache=True`` does (``Dispatcher.enable_caching``), with
    musicfeat's locators. When no folder is writable the dispatcher keeps
    numba's null cache and compiles in memory. Under ``NUMBA_DISABLE_JIT=1``
    ``njit`` returns the plain Python function, which has nothing to cache:
    it is returned unchanged.
    """
    if not hasattr(dispatcher, "py_func"):  # NUMBA_DISABLE_JIT: a plain function
        return dispatcher
    try:
        dispatcher._cache = _KernelFunctionCache(dispatcher.py_func)
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        pass
    return dispatcher


def has_cache_folder(dispatcher):
    """True when ``dispatcher`` writes its compilations to a cache folder (not numba's null cache)."""
    return getattr(getattr(dispatcher, "_cache", None), "_impl", None) is not None


def has_cached_code(dispatcher):
    """True when ``dispatcher``'s cache folder holds code compiled for this machine from these sources.

    numba writes one index file per function, keyed by signature and by the
    machine (LLVM's triple, CPU name and features): a cache folder shared by
    the nodes of a cluster can hold another CPU's code only. Read through
    numba's own index reader, which drops an index of other sources.
    """
    if not has_cache_folder(dispatcher):  # numba's null cache, or a plain function (NUMBA_DISABLE_JIT)
        return False
    try:
        overloads = dispatcher._cache._cache_file._load_index()
    except Exception:  # damaged: loading removes it and compiles (_KernelFunctionCache)
        return False
    if not overloads:
        return False
    machine = dispatcher.targetctx.codegen().magic_tuple()
    return any(key[1] == machine for key in overloads)


_SOURCES_DIGEST = _sources_digest()
