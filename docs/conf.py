"""Sphinx configuration of musicfeat's documentation site.

Build: ``nox -s docs`` (warnings are errors), or
``python -m sphinx -W -b html docs docs/_build/html``. Pages are Markdown
(MyST); the API reference is generated from every public docstring
(numpydoc), its page list from the public names of :data:`PUBLIC_MODULES`.
"""

import importlib
import inspect
import shutil
from pathlib import Path

import musicfeat

project = "musicfeat"
author = "The musicfeat developers"
copyright = "the musicfeat developers, BSD-3-Clause"  # noqa: A001 - Sphinx's name
release = musicfeat.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
# README.md is the folder's index on a code host; index.md is the site's.
exclude_patterns = ["_build", "README.md", "tutorials/make_figures.py"]

myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

autosummary_generate = True
templates_path = ["_templates"]  # classes: their methods, without scikit-learn's own
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"musicfeat {release}"
html_theme_options = {"show_toc_level": 2, "navigation_with_keys": False}
html_static_path = []

#: Every public module, in the API reference's order, with its heading.
#: ``tests/test_docs_site.py`` checks that no public module is missing (but
#: those in :data:`NOT_IN_API`). A module's public names are its ``__all__``,
#: or, for a group module, which declares none, the functions and classes it
#: defines (the intermediates it shares through ``Spectra.memo``, its
#: helpers). A name an earlier module already lists is not repeated.
PUBLIC_MODULES = {
    "musicfeat": "Transformers, extraction and errors",
    "musicfeat.groups.registry": "The registry of groups and feature sets",
    "musicfeat.groups": "Feature groups",
    "musicfeat.groups.hpss": "Group: HPSS energies",
    "musicfeat.groups.spectral": "Group: spectral shape",
    "musicfeat.groups.poly": "Group: line fit",
    "musicfeat.groups.zero_crossings": "Group: zero crossings",
    "musicfeat.groups.rhythm": "Group: rhythm (onset envelope, tempo)",
    "musicfeat.groups.note_classes": "Group: note classes (tuning, chroma, tonnetz)",
    "musicfeat.groups.bands": "Group: band energies",
    "musicfeat.groups.windowed": "Group: windowed moments",
    "musicfeat.groups.pitch": "Group: pitch",
    "musicfeat.groups.mfcc": "Group: MFCC (mel spectrogram)",
    "musicfeat.groups.hp_mfcc": "Group: MFCC statistics of H and P (per-frame MFCC)",
    "musicfeat.groups.hp_mfcc_vlad": "Group: VLAD of the MFCC frames of H and P (learnt)",
    "musicfeat.groups.spectral_covariance": "Group: spectral covariance (no feature set)",
    "musicfeat.groups.gaussian_timbre": "Group: single-Gaussian timbre model (no feature set)",
    "musicfeat.groups.block_patterns": "Group: block-level patterns (no feature set)",
    "musicfeat.features": "The extractor",
    "musicfeat.extraction": "The extraction layer: one way through a clip",
    "musicfeat.extraction.plan": "Extraction: the plan and the engine choice",
    "musicfeat.extraction.runner": "Extraction: the clip runner",
    "musicfeat.extraction.outcomes": "Extraction: outcomes and on_error",
    "musicfeat.extraction.calls": "Extraction: fit and transform",
    "musicfeat.extraction.cache": "Extraction: the memory= cache",
    "musicfeat.value_identity": "What changes the values: the parameters, their digest",
    "musicfeat.fitted_state": "Fitted state in .npz, checked before it is read",
    "musicfeat.frontend": "The shared front end",
    "musicfeat.streaming": "The stream engine's front end",
    "musicfeat.accumulators": "What accumulators keep between blocks",
    "musicfeat.blockwise": "Frame-local work in blocks",
    "musicfeat.stats": "Moments",
    "musicfeat.summaries": "Second-order and block-level summaries, as mergeable accumulators",
    "musicfeat.dsp": "librosa routines in NumPy",
    "musicfeat.kernels": "numba kernels",
    "musicfeat.io": "Clips and decoding",
    "musicfeat.io.items": "Input: X into its clips",
    "musicfeat.io.limits": "Input: the bounds of a clip",
    "musicfeat.io.headers": "Input: what a file declares, and whether it is whole",
    "musicfeat.io.decoders": "Input: the decoders and their words",
    "musicfeat.io.files": "Input: a file checked, then decoded in blocks",
    "musicfeat.io.load": "Input: one clip to its waveform",
    "musicfeat.io.stream": "Input: one clip as a stream",
    "musicfeat.exceptions": "Errors and warnings",
    "musicfeat.feature_table": "The feature table",
    "musicfeat.table_text": "The text of tables (names, CSV lines)",
    "musicfeat.batch": "Folders to tables",
    "musicfeat.batch.tracks": "Batch: finding tracks",
    "musicfeat.batch.resume": "Batch: resuming",
    "musicfeat.batch.lock": "Batch: one writer per table",
    "musicfeat.batch.workers": "Batch: workers",
    "musicfeat.batch.pool": "Batch: worker processes",
    "musicfeat.batch.dask_runner": "Batch: on a Dask cluster",
    "musicfeat.batch.extract": "Batch: extraction",
    "musicfeat.batch.learning": "Batch: learning from the folder",
    "musicfeat.analysis": "The talk's analyses",
    "musicfeat.analysis.results": "The report: computing it",
    "musicfeat.analysis.page": "The report: its page",
    "musicfeat.analysis.figures": "The report: its figures",
    "musicfeat.analysis.report": "The report: writing it",
    "musicfeat.analysis.classification": "Analysis: classification",
    "musicfeat.analysis.embedding": "Analysis: maps",
    "musicfeat.analysis.importance": "Analysis: feature importance",
    "musicfeat.analysis.similarity": "Analysis: label distances",
    "musicfeat.analysis.table": "Analysis: tables",
    "musicfeat.segments": "Segments, timelines and proportions",
    "musicfeat.segments.windows": "Segments: windows",
    "musicfeat.segments.timeline": "Segments: timelines",
    "musicfeat.datasets": "Bundled data",
    "musicfeat.reference": "The feature reference",
}

#: Public modules left out of the API reference, and why.
NOT_IN_API = {
    "musicfeat.cli": "the command line, documented by its --help and the README",
    "musicfeat.groups.temporal": "a deprecated alias of musicfeat.groups.zero_crossings",
    **dict.fromkeys(
        [f"musicfeat.kernels.{name}" for name in ("masks", "median", "moments", "peaks")],
        "each module's public kernel is listed under musicfeat.kernels",
    ),
}


def public_names(module):
    """The names of ``module`` the API reference lists: its ``__all__``, else what it defines."""
    if hasattr(module, "__all__"):
        return [name for name in module.__all__ if not name.startswith("__")]
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and obj.__module__ == module.__name__
    ]


def _api_page():
    lines = [
        "API reference",
        "=============",
        "",
        "Every public name of musicfeat, generated from its docstring, under the",
        "module it is best imported from. The modules' ``__all__`` lists decide",
        "what is public.",
        "",
    ]
    seen = set()
    for name, heading in PUBLIC_MODULES.items():
        module = importlib.import_module(name)
        entries = []
        for attr in public_names(module):
            key = (attr, id(getattr(module, attr)))
            if key in seen:
                continue
            seen.add(key)
            entries.append(f"   {attr}")
        if not entries:
            continue
        title = f"{heading} (``{name}``)"
        summary = (inspect.getdoc(module) or "").split("\n\n")[0].replace("\n", " ")
        lines += [title, "-" * len(title), "", summary, "", f".. currentmodule:: {name}", ""]
        lines += [".. autosummary::", "   :toctree: generated/", "", *sorted(entries), ""]
    return "\n".join(lines)


_ATTRIBUTE_DOCS = {}


def _attribute_docs():
    """``{(name, id(value)): lines}``: every ``#:`` comment on a module-level name of musicfeat."""
    from sphinx.pycode import ModuleAnalyzer

    docs = {}
    for name in [*PUBLIC_MODULES, "musicfeat._version"]:
        module = importlib.import_module(name)
        for (scope, attr), lines in ModuleAnalyzer.for_module(name).find_attr_docs().items():
            if not scope and hasattr(module, attr):
                docs[(attr, id(getattr(module, attr)))] = list(lines)
    return docs


def _constant_docstring(app, what, name, obj, options, lines):
    # A constant re-exported from another module (FEATURE_SET_VERSION) gets
    # the comment written where it is defined, not its type's docstring
    # ("str(object='') -> str"), which says nothing about it.
    if what != "data":
        return
    documented = _ATTRIBUTE_DOCS.get((name.rpartition(".")[2], id(obj)))
    if documented is not None:
        lines[:] = documented
    elif type(obj).__doc__ and " ".join(lines).split() == type(obj).__doc__.split():
        lines.clear()


def setup(app):
    global _ATTRIBUTE_DOCS
    _ATTRIBUTE_DOCS = _attribute_docs()
    app.connect("autodoc-process-docstring", _constant_docstring)


# Written when the configuration is read, before autosummary reads it. The
# generated pages are rewritten each build: a page left from a name that moved
# would be in no toctree, a warning, so an error.
_DOCS = Path(__file__).parent
shutil.rmtree(_DOCS / "generated", ignore_errors=True)
(_DOCS / "api.rst").write_text(_api_page())
