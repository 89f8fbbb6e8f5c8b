"""The documentation site builds with warnings as errors, and lists every public name.

The build runs on a copy of ``docs/`` (and the root files its pages
include), so the generated API pages never land in the working tree.
"""

import importlib
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import musicfeat

ROOT = Path(__file__).parent.parent
pytestmark = pytest.mark.slow  # builds the Sphinx site
pytest.importorskip("sphinx")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tree = tmp_path_factory.mktemp("site")
    shutil.copytree(
        ROOT / "docs", tree / "docs", ignore=shutil.ignore_patterns("_build", "generated", "api.rst")
    )
    for name in ("README.md", "CHANGELOG.md", "CITATION.cff"):
        shutil.copy2(ROOT / name, tree / name)
    (tree / "benchmarks").mkdir()
    shutil.copy2(ROOT / "benchmarks" / "README.md", tree / "benchmarks" / "README.md")
    out = tree / "html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(tree / "docs"),
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"sphinx-build -W failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    return out


def test_site_has_the_feature_reference_contract_tutorials_and_benchmarks(site):
    for page in (
        "index",
        "features",
        "contract",
        "api",
        "benchmarks",
        "changelog",
        "citing",
        "architecture",
        "tutorials/examples",
        "tutorials/talk",
        "tutorials/voices",
    ):
        assert (site / f"{page}.html").is_file(), page
    assert "rms_percussive_mean" in (site / "features.html").read_text()
    architecture = (site / "architecture.html").read_text()
    for part in (
        "may import from musicfeat",
        "dsp.py",
        "How a clip flows",
        "Adding a group or a feature set",
    ):
        assert part in architecture, part  # docs/README.md's section, whole
    assert len(list((site / "_images").glob("*.png"))) >= 10  # the tutorials' figures


def _conf(site):
    sys.path.insert(0, str(site.parent / "docs"))  # the copy: importing conf writes api.rst
    try:
        return importlib.import_module("conf")
    finally:
        sys.path.pop(0)


def test_api_reference_has_a_page_for_every_public_name(site):
    conf = _conf(site)
    pages = {p.stem for p in (site / "generated").glob("*.html")}
    for module_name in conf.PUBLIC_MODULES:
        for name in conf.public_names(importlib.import_module(module_name)):
            # listed under its own module, or under an earlier one that re-exports it
            assert any(p.endswith(f".{name}") for p in pages), f"{module_name}.{name} has no API page"
    # Each class's page documents its own methods (and those of musicfeat's base
    # classes), not scikit-learn's.
    for page, member in [
        ("musicfeat.MusicFeatures", "describe_features"),
        ("musicfeat.MusicFeatures", "get_feature_names_out"),
        ("musicfeat.Spectra", "memo"),
        ("musicfeat.groups.registry.FeatureSet", "available_groups"),
    ]:
        assert f'id="{page}.{member}"' in (site / "generated" / f"{page}.html").read_text(), (page, member)
    assert (
        'id="musicfeat.MusicFeatures.set_params"'
        not in (site / "generated" / "musicfeat.MusicFeatures.html").read_text()
    )


def test_constants_are_documented_by_their_own_comment_not_their_type(site):
    pages = {p.stem: p.read_text() for p in (site / "generated").glob("*.html")}
    assert "Version of the feature definitions" in pages["musicfeat.FEATURE_SET_VERSION"]
    assert "Every group by name, in output order" in pages["musicfeat.groups.registry.GROUPS"]
    for name, text in pages.items():
        for type_doc in ("str(object=", "Built-in immutable sequence", "dict() -&gt; new empty"):
            assert type_doc not in text, (name, type_doc)


def test_api_reference_covers_every_public_module(site):
    """A new module (a group, a room) is listed, or said not to be and why."""
    conf = _conf(site)
    modules = {"musicfeat"} | {
        m.name
        for m in pkgutil.walk_packages(musicfeat.__path__, "musicfeat.")
        if not any(part.startswith("_") for part in m.name.split("."))
    }
    assert modules == set(conf.PUBLIC_MODULES) | set(conf.NOT_IN_API)
    assert not set(conf.PUBLIC_MODULES) & set(conf.NOT_IN_API)


def test_no_page_cites_a_file_outside_the_repository(site):
    for page in site.rglob("*.html"):
        assert "FEATURES-419" not in page.read_text(), page
