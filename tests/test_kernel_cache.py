"""Compiled kernels live in a per-user cache folder, never beside the installed sources.

numba's ``cache=True`` writes ``.nbi``/``.nbc`` files into the package's
``__pycache__``, which pip does not own: they survive ``pip uninstall`` and
shadow a later editable install (issue 12). Each check runs in a fresh
interpreter so that it sees the environment variables as a user's process
would.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import musicfeat.kernels

PACKAGE = Path(musicfeat.kernels.__file__).parent.parent

PROBE = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import musicfeat.kernels as k
    from musicfeat.kernels._config import KERNELS
    warm_before = k.cache_is_warm()
    k.median_filter_axis(np.ones((8, 8), np.float32), 3)
    k.apply_hpss_masks(*(np.ones((4, 4), np.float32),) * 3)
    k.rolling_moments(np.arange(10.0), 4)
    k.pick_spectral_peaks(np.ones((1025, 2), np.float32), 22050, 2048)
    print(json.dumps({
        "paths": sorted({str(getattr(d._cache, "cache_path", None)) for d in KERNELS}),
        "cache_dir": str(k.cache_dir()),
        "warm_before": warm_before,
        "warm_after": k.cache_is_warm(),
        "other": sys.argv[1] if len(sys.argv) > 1 else None,
    }))
    """
)


def _run(tmp_path, script=PROBE, *args, **env):
    environ = {key: value for key, value in os.environ.items() if key != "NUMBA_CACHE_DIR"}
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def _nb_files(folder):
    return sorted(p for p in Path(folder).rglob("*") if p.suffix in (".nbi", ".nbc"))


def test_kernels_compile_into_the_users_cache_folder_and_load_from_it(tmp_path):
    xdg = tmp_path / "xdg"
    # A user's own cache=True function in the same process keeps numba's in-tree cache:
    # only musicfeat's kernels are redirected.
    (tmp_path / "userlib.py").write_text(
        "from numba import njit\n\n@njit(cache=True)\ndef twice(x):\n    return 2 * x\n"
    )
    with_userlib = PROBE.replace(
        "print(json.dumps",
        "import userlib; userlib.twice(2)\nsys.argv.append(userlib.twice._cache.cache_path)\nprint(json.dumps",
    )
    before = _nb_files(PACKAGE)
    # PYTHONPATH keeps its entries (a checkout first on the path stays the musicfeat imported).
    pythonpath = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    first = _run(tmp_path, with_userlib, XDG_CACHE_HOME=str(xdg), PYTHONPATH=pythonpath)
    folder = Path(first["cache_dir"])
    assert folder.is_relative_to(xdg / "musicfeat" / "kernels")
    assert folder.name.startswith(f"numba{__import__('numba').__version__}-py{sys.version_info[0]}")
    assert first["paths"] == [str(folder)]
    assert not first["warm_before"] and first["warm_after"]
    assert {p.suffix for p in _nb_files(folder)} == {".nbi", ".nbc"}
    assert _nb_files(PACKAGE) == before, "a kernel wrote its cache beside the sources"
    assert Path(first["other"]) == tmp_path / "__pycache__" and _nb_files(tmp_path / "__pycache__")
    second = _run(tmp_path, XDG_CACHE_HOME=str(xdg))
    assert second["warm_before"], "the second process should find the compiled kernels"


def test_numba_cache_dir_still_wins(tmp_path):
    xdg, numba_dir = tmp_path / "xdg", tmp_path / "numba"
    got = _run(tmp_path, XDG_CACHE_HOME=str(xdg), NUMBA_CACHE_DIR=str(numba_dir))
    assert all(Path(p).is_relative_to(numba_dir) for p in got["paths"])
    assert _nb_files(numba_dir) and not _nb_files(xdg)


def test_an_unwritable_cache_folder_means_compiling_in_memory_not_failing(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would go")
    before = _nb_files(PACKAGE)
    got = _run(tmp_path, XDG_CACHE_HOME=str(blocked))
    assert got["paths"] == ["None"] and not got["warm_after"]  # numba's null cache
    assert _nb_files(PACKAGE) == before  # and still nothing beside the sources


def test_kernels_import_and_run_as_plain_python_without_the_jit(tmp_path):
    # nox -s tests_nojit: numba's njit returns the function itself, which has no cache (issue 17).
    probe = PROBE.replace('getattr(d._cache, "cache_path", None)', 'getattr(d, "_cache", None)')
    got = _run(tmp_path, probe, NUMBA_DISABLE_JIT="1")
    assert got["paths"] == ["None"] and not got["warm_before"] and not got["warm_after"]


PRECOMPILE = textwrap.dedent(
    """
    import json
    import musicfeat.kernels as k
    print(json.dumps({"compiled": k.precompile(), "again": k.precompile(), "warm": k.cache_is_warm()}))
    """
)

#: A default extraction, the extended set and the stream engine, then every
#: kernel signature that had to be compiled rather than loaded.
COMPILED_BY_EXTRACTION = textwrap.dedent(
    """
    import json, warnings
    import numpy as np
    from musicfeat import MusicFeatures
    from musicfeat.kernels._config import KERNELS, OPTIONAL_KERNELS
    warnings.simplefilter("ignore")
    y = (0.1 * np.sin(np.arange(3 * 22050) * 0.3)).astype(np.float32)
    MusicFeatures().fit_transform([y])
    MusicFeatures(engine="stream").fit_transform([y])
    MusicFeatures(feature_set="extended").fit_transform([y, 0.5 * y])
    print(json.dumps({
        d.py_func.__name__: [str(sig) for sig in d.stats.cache_misses]
        for d in KERNELS + OPTIONAL_KERNELS if d.stats.cache_misses
    }))
    """
)


def test_precompile_leaves_nothing_for_the_first_extraction_to_compile(tmp_path):
    # precompile() calls the kernels on tiny stand-ins; this pins their types to
    # what the feature groups pass (a Fortran-ordered S, a block of its frames...).
    xdg = str(tmp_path / "xdg")
    assert _run(tmp_path, PRECOMPILE, XDG_CACHE_HOME=xdg) == {"compiled": True, "again": False, "warm": True}
    assert _run(tmp_path, COMPILED_BY_EXTRACTION, XDG_CACHE_HOME=xdg) == {}


def test_precompile_without_a_cache_folder_compiles_in_memory(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would go")
    # No child (its code could not reach this process); nothing warm afterwards either.
    assert _run(tmp_path, PRECOMPILE, XDG_CACHE_HOME=str(blocked)) == {
        "compiled": True,
        "again": True,
        "warm": False,
    }


def test_precompile_shares_the_work_only_where_forking_is_safe(monkeypatch):
    import multiprocessing
    import threading

    from musicfeat.kernels import _precompile

    monkeypatch.setattr(_precompile.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(_precompile, "has_cache_folder", lambda dispatcher: True)
    monkeypatch.setattr(_precompile.sys, "platform", "linux")
    with monkeypatch.context() as alone:
        alone.setattr(_precompile.threading, "active_count", lambda: 1)  # earlier tests may leave threads
        assert _precompile._can_share_the_work()
    # Another Python thread could hold a lock the forked child needs (a notebook's kernel threads).
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not _precompile._can_share_the_work()
    finally:
        release.set()
        other.join()
    # A daemonic process (a multiprocessing pool's or a Dask nanny's worker) may not start children.
    monkeypatch.setattr(_precompile.threading, "active_count", lambda: 1)
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)
    assert not _precompile._can_share_the_work()
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", False)
    monkeypatch.setattr(_precompile.os, "sched_getaffinity", lambda pid: {0})
    assert not _precompile._can_share_the_work()  # one CPU: nothing to share


def test_precompile_in_a_pool_worker(tmp_path):
    script = textwrap.dedent(
        """
        import json, multiprocessing
        import musicfeat.kernels as k

        if __name__ == "__main__":
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                compiled = pool.apply(k.precompile)
            print(json.dumps({"compiled": compiled, "warm": k.cache_is_warm()}))
        """
    )
    assert _run(tmp_path, script, XDG_CACHE_HOME=str(tmp_path / "xdg")) == {"compiled": True, "warm": True}


def test_a_child_that_hangs_costs_the_timeout_not_the_run(tmp_path):
    script = textwrap.dedent(
        """
        import json, time
        import musicfeat.kernels as k
        import musicfeat.kernels._precompile as p
        p._CHILD_TIMEOUT = 0.5
        p._can_share_the_work = lambda: True  # whatever the machine's CPUs
        real_start = p._start_child
        p._start_child = lambda target: real_start(lambda: time.sleep(600))
        started = time.perf_counter()
        compiled = k.precompile()
        print(json.dumps({"compiled": compiled, "warm": k.cache_is_warm(),
                          "seconds": time.perf_counter() - started}))
        """
    )
    got = _run(tmp_path, script, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    # Not the child's 600 s: it was killed, and its share compiled here.
    assert got["compiled"] and got["warm"] and got["seconds"] < 300


def test_code_compiled_for_another_cpu_does_not_make_the_cache_warm(tmp_path):
    # A cache folder shared by a cluster's nodes: an index that holds only
    # another CPU's code (numba keys entries by LLVM triple, CPU and features).
    script = textwrap.dedent(
        """
        import json
        import musicfeat.kernels as k
        from musicfeat.kernels._config import KERNELS
        k.precompile()
        here = k.cache_is_warm()
        codegen = type(KERNELS[0].targetctx.codegen())
        real = codegen.magic_tuple
        codegen.magic_tuple = lambda self: (real(self)[0], "another-cpu", real(self)[2])
        print(json.dumps({"here": here, "elsewhere": k.cache_is_warm()}))
        """
    )
    assert _run(tmp_path, script, XDG_CACHE_HOME=str(tmp_path / "xdg")) == {"here": True, "elsewhere": False}


@pytest.mark.parametrize("damage", ["garbage", "cut short", "a folder"])
def test_a_damaged_index_is_replaced_not_fatal(tmp_path, damage):
    xdg = tmp_path / "xdg"
    assert _run(tmp_path, PRECOMPILE, XDG_CACHE_HOME=str(xdg))["warm"]
    (index,) = (xdg / "musicfeat" / "kernels").glob("*/median._median_lanes-*.nbi")
    if damage == "garbage":
        index.write_bytes(os.urandom(200))
    elif damage == "cut short":
        index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])
    else:
        index.unlink()
        index.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "musicfeat", "features"],
        cwd=tmp_path,
        env={**os.environ, "XDG_CACHE_HOME": str(xdg)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "compiling musicfeat's kernels, once" in done.stderr
    assert index.is_file()  # written again
    assert _run(tmp_path, PRECOMPILE, XDG_CACHE_HOME=str(xdg)) == {
        "compiled": False,
        "again": False,
        "warm": True,
    }
