"""Citation metadata and the changelog name the versions a paper must report."""

import re
from pathlib import Path

import pytest
import yaml

import musicfeat

ROOT = Path(__file__).parent.parent


def _citation():
    return yaml.safe_load((ROOT / "CITATION.cff").read_text())


def test_citation_cff_names_this_release_and_its_feature_set():
    cff = _citation()
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["version"] == musicfeat.__version__
    assert cff["license"] == "BSD-3-Clause"
    assert cff["authors"] == [{"name": "The musicfeat developers"}]
    assert f"feature set {musicfeat.FEATURE_SET_VERSION}" in " ".join(cff["message"].split())
    titles = [ref["title"] for ref in cff["references"]]
    assert "Machine learning with music" in titles
    repos = {ref.get("repository-code") for ref in cff["references"]}
    assert "https://github.com/informationcake/music-machine-learning" in repos


def test_changelog_records_the_current_feature_set_and_package_versions():
    text = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)
    assert f"Feature set {musicfeat.FEATURE_SET_VERSION}" in headings
    assert any(h.startswith(f"{musicfeat.__version__} ") or h == musicfeat.__version__ for h in headings)


def test_pyproject_links_documentation_source_changelog_and_citation():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert set(urls) == {"Documentation", "Source", "Changelog", "Citation"}
    assert urls["Changelog"].endswith("CHANGELOG.md") and urls["Citation"].endswith("CITATION.cff")


def test_readme_says_how_to_cite_with_the_feature_set_version():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## How to cite", 1)[1].split("\n## ", 1)[0]
    assert "FEATURE_SET_VERSION" in section and musicfeat.FEATURE_SET_VERSION in section
    assert "CITATION.cff" in section and "CHANGELOG.md" in section
