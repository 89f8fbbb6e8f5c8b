"""README's two set-up commands, in order, in one fresh virtual environment.

Issue 12: after ``pip install .`` and a first ``musicfeat features``, numba's
cache files in ``site-packages/musicfeat`` survived ``pip install -e .`` and
shadowed the editable install (ImportError), and ``pip uninstall`` left them
behind. This test runs the sequence with real pip installs of musicfeat:
install, first call, editable reinstall, call, uninstall, checking each step.

To cost seconds rather than a download of every dependency, the new
environment sees the running one's packages through a ``.pth`` file and pip
installs musicfeat alone (``--no-deps``); the build backend still comes
through pip's isolated build, as for a user.
"""

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
pytestmark = pytest.mark.slow  # pip installs into a fresh venv


def _source_copy(dest):
    """What ``pip install .`` reads from a clone: the package, its metadata files."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "musicfeat",
        dest / "musicfeat",
        ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"),
    )
    return dest


def _run(args, cwd, env, check=True):
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check and done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def _musicfeat_files(site_packages):
    return sorted(
        p.name
        for p in site_packages.iterdir()
        if p.name.lower().startswith(("musicfeat", "__editable__.musicfeat", "__editable___musicfeat"))
    )


@pytest.fixture
def fresh_venv(tmp_path):
    """A new venv whose interpreter also sees this environment's packages (after its own)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    ours = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    (purelib / "_running_environment.pth").write_text("\n".join(dict.fromkeys(ours)) + "\n")
    return venv, python, purelib


def test_install_first_call_editable_reinstall_call_uninstall(tmp_path, fresh_venv):
    venv, python, purelib = fresh_venv
    source = _source_copy(tmp_path / "clone")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "PYTHONDONTWRITEBYTECODE")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "user-cache")  # a user who never ran musicfeat
    env["PATH"] = str(python.parent) + os.pathsep + env["PATH"]
    pip = [python, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    musicfeat = [python.parent / "musicfeat", "features"]

    def features_work():
        done = _run(musicfeat, elsewhere, env)
        values = [line for line in done.stdout.splitlines() if not line.startswith("#")]
        assert len(values) == 419, done.stdout[-2000:]
        return done

    # 1. python -m pip install . && musicfeat features
    _run([*pip, "install", "--no-deps", "."], source, env)
    installed = purelib / "musicfeat"
    assert (installed / "kernels" / "median.py").is_file()
    first = features_work()
    assert first.stderr.count("compiling musicfeat's kernels, once") == 1, first.stderr
    leftovers = [p for p in installed.rglob("*") if p.suffix in (".nbi", ".nbc")]
    assert not leftovers, f"compiled kernels written into site-packages: {leftovers[:3]}"

    # 2. python -m pip install -e . && musicfeat features (the README's second command)
    _run([*pip, "install", "--no-deps", "-e", "."], source, env)
    assert not installed.exists(), "site-packages/musicfeat survived the editable reinstall"
    again = features_work()
    assert "compiling" not in again.stderr, "the same kernel sources should load from the user's cache"
    where = _run([python, "-c", "import musicfeat; print(musicfeat.__file__)"], elsewhere, env)
    assert Path(where.stdout.strip()).resolve() == (source / "musicfeat" / "__init__.py").resolve()

    # 3. pip uninstall: nothing of musicfeat stays behind
    _run([*pip, "uninstall", "-y", "musicfeat"], source, env)
    assert _musicfeat_files(purelib) == []
    assert not (python.parent / "musicfeat").exists()
    spec = _run(
        [python, "-c", "import importlib.util as u; s = u.find_spec('musicfeat'); print(s and s.origin)"],
        elsewhere,
        env,
    ).stdout.strip()
    assert spec == "None" or not Path(spec).is_relative_to(venv), spec
