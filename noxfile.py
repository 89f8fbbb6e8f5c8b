"""Developer sessions: nox -s tests | tests_quick | tests_nojit | lint | docs | build | bench."""

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "venv"


@nox.session
def tests(session):
    """The test suite (README's command)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def tests_quick(session):
    """The suite without the tests marked slow (Sphinx, pip installs, the browser, long waits)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "not slow", *session.posargs)


@nox.session
def tests_nojit(session):
    """Kernels run as plain Python, so coverage sees their code."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "tests/test_kernels.py",
        "-k",
        "not property and not real",
        *session.posargs,
        env={"NUMBA_DISABLE_JIT": "1"},
    )


@nox.session
def lint(session):
    session.install("ruff")
    session.run("ruff", "check", "musicfeat", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "--diff", "musicfeat", "tests", "benchmarks", "noxfile.py")


@nox.session
def docs(session):
    """The documentation site (warnings are errors), every docstring's doctest, the docs' tests."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")
    session.run(
        "pytest",
        "--doctest-modules",
        "musicfeat",
        "tests/test_docs_and_cli.py",
        "tests/test_docs_run.py",
        "tests/test_docs_site.py",
    )
    session.log("site: docs/_build/html/index.html")


@nox.session
def build(session):
    session.install("build")
    session.run("python", "-m", "build")


@nox.session
def bench(session):
    """Speed against the naive librosa/scipy path, measured in one run."""
    session.install("-e", ".[test,bench]")
    session.run("python", "benchmarks/run.py", *session.posargs)
