"""The registry is the one list; parameters reach their group; errors name the configured class.

Also: a group that learns from training clips plugs in through the registry
alone, and every group describes each of its features.
"""

import inspect
import pickle
import re
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest
from helpers import LearnedLevelFeatures, tone
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import musicfeat
import musicfeat.groups as groups_package
from musicfeat import ExtractionWarning, MusicFeatures
from musicfeat.groups import FEATURE_SETS, GROUPS, FeatureSet, registry

ROOT = Path(__file__).parent.parent

#: Short tones by design: the DegenerateFeatureWarning they give is expected here
#: (tests/test_parameters.py tests the warning itself).
pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")
TALK419 = FEATURE_SETS["talk419"]

#: A valid value other than the default for every parameter of every group.
OTHER_VALUES = {
    "band_counts": (3, 5),
    "band_fmin": 30.0,
    "band_fmax": 8000.0,
    "window_seconds": (0.25, 2),
    "n_mfcc": 13,
    "pitch_fmin": 80.0,
    "pitch_fmax": 800.0,
    "vlad_clusters": 8,
    "vlad_frames": 200,
    "random_state": 7,
    "sr": 16000,
    "n_fft": 1024,
    "hop_length": 256,
    "kernel_size": 17,
    "hpss_power": 1.0,
    "hpss_margin": 2.0,
    "on_error": "nan",
    "max_duration": 600.0,
    "engine": "whole",
}
#: An invalid value for every parameter a user sets on MusicFeatures (but memory,
#: which joblib checks in its own words).
INVALID_VALUES = {
    "band_counts": (0,),
    "band_fmin": -1.0,
    "band_fmax": 10.0,  # below band_fmin
    "window_seconds": (),
    "n_mfcc": 0,
    "pitch_fmin": 0.0,
    "pitch_fmax": 10.0,  # below pitch_fmin
    "vlad_clusters": 0,
    "vlad_frames": 0,
    "random_state": -1,
    "sr": 0,
    "n_fft": 1,
    "hop_length": 0,
    "kernel_size": 0,
    "hpss_power": 0.0,
    "hpss_margin": 0.5,
    "on_error": "ignore",
    "max_duration": 0.0,
    "engine": "fast",
    "n_jobs": 0,
    "feature_set": "nope",
    "include": ("hpss", "nope"),
    "groups": [("hpss", musicfeat.HPSSFeatures())],  # a name of the registry
}


def _group_params():
    return sorted({(name, cls) for cls in GROUPS.values() for name in cls._get_param_names()}, key=str)


def _defaults(cls):
    return {
        name: p.default
        for name, p in inspect.signature(cls.__init__).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


# ---------------------------------------------------------------- the registry


def test_talk419_is_the_first_eight_groups_with_the_published_version():
    assert list(GROUPS) == [
        "hpss",
        "spectral",
        "poly",
        "zero_crossings",
        "rhythm",
        "note_classes",
        "bands",
        "windowed",
        "pitch",
        "mfcc",
        "hp_mfcc",
        "hp_mfcc_vlad",
    ]
    assert TALK419.groups == tuple(GROUPS)[:8] and TALK419.optional_groups == ("pitch", "mfcc")
    assert TALK419.version == musicfeat.FEATURE_SET_VERSION == "419.1"
    assert registry.DEFAULT_FEATURE_SET == "talk419" == MusicFeatures().feature_set


@pytest.mark.parametrize("feature_set", sorted(FEATURE_SETS))
def test_every_feature_set_is_well_formed(feature_set):
    fs = FEATURE_SETS[feature_set]
    assert fs.name == feature_set and fs.version and fs.description
    assert not set(fs.groups) & set(fs.optional_groups)
    assert fs.groups == tuple(g for g in GROUPS if g in fs.groups), "groups in output order"
    assert fs.available_groups == tuple(g for g in GROUPS if g in fs.groups + fs.optional_groups)
    mf = MusicFeatures(feature_set=feature_set)
    mf.fit([tone(440.0, 1.0), tone(330.0, 1.0)] if mf.learns else None)
    assert mf.feature_set_version_ == fs.version
    assert [type(g) for _, g in mf.make_union().transformer_list] == [GROUPS[g] for g in fs.groups]


def test_exports_are_the_registry_s_classes():
    classes = [cls.__name__ for cls in GROUPS.values()]
    exported = [n for n in groups_package.__all__ if isinstance(getattr(groups_package, n), type)]
    assert [n for n in exported if n in classes] == classes, "groups/__init__.py: export every group class"
    assert set(classes) <= set(musicfeat.__all__), "musicfeat/__init__.py: export every group class"
    for name in classes:
        assert getattr(musicfeat, name) is getattr(groups_package, name)


def _docstring_table(text):
    """``(class, size)`` rows of the RST simple table (``=====`` rules) of classes and sizes."""
    lines = [line.strip() for line in text.splitlines()]
    rules = [i for i, line in enumerate(lines) if line.startswith("====")]
    body = lines[rules[1] + 1 : rules[2]]  # header, rule, body, rule
    return [(m[1], int(m[2])) for m in (re.match(r"(\w+)\s+(\d+)\b", line) for line in body)]


def _default_sizes(names):
    return [(GROUPS[g].__name__, len(GROUPS[g]().get_feature_names_out())) for g in names]


def test_docstring_and_readme_tables_follow_the_registry():
    assert _docstring_table(MusicFeatures.__doc__) == _default_sizes(TALK419.groups)
    assert _docstring_table(groups_package.__doc__) == _default_sizes(GROUPS)
    readme = (ROOT / "README.md").read_text()
    rows = [(m[1], int(m[2])) for m in re.finditer(r"^\| `(\w+)` \| (\d+) \|", readme, flags=re.M)]
    assert rows == _default_sizes(TALK419.groups) + [("MusicFeatures", 419)]


# ---------------------------------------------------------------- parameters reach their group


def test_every_group_parameter_is_a_music_features_parameter_with_the_same_default():
    defaults = _defaults(MusicFeatures)
    for name, cls in _group_params():
        assert name in defaults, f"MusicFeatures needs the keyword parameter {name!r} of {cls.__name__}"
        assert defaults[name] == _defaults(cls)[name], f"{name}: MusicFeatures and {cls.__name__} differ"


def test_the_test_tables_cover_every_parameter():
    assert {name for name, _ in _group_params()} == set(OTHER_VALUES)
    assert set(MusicFeatures._get_param_names()) - {"memory"} == set(INVALID_VALUES)


@pytest.mark.parametrize(("name", "cls"), _group_params(), ids=lambda x: getattr(x, "__name__", x))
def test_each_group_parameter_set_on_music_features_reaches_the_group(name, cls):
    group = next(g for g, c in GROUPS.items() if c is cls)
    include = None if group in TALK419.groups else (group,)
    feature_set = next(n for n, fs in FEATURE_SETS.items() if group in fs.available_groups)
    mf = MusicFeatures(feature_set=feature_set, include=include, **{name: OTHER_VALUES[name]})
    union = dict(mf.make_union().transformer_list)
    assert union[group].get_params()[name] == OTHER_VALUES[name]
    # The groups of the one-analysis path too, but for how a clip is run (the extraction plan's).
    built = {type(g): g for g in mf._plan(fitting=True).groups}
    expected = {"on_error": "raise", "max_duration": None, "engine": "auto"}.get(name, OTHER_VALUES[name])
    assert built[cls].get_params()[name] == expected


def test_optional_group_parameters_change_their_output():
    mf = MusicFeatures(include=("mfcc",), n_mfcc=13)
    assert len(mf.get_feature_names_out()) == 26
    tone_220 = [tone(220.0, 1.0)]
    names = list(MusicFeatures(include=("pitch",)).get_feature_names_out())
    voiced = names.index("pitch_voiced_fraction")
    assert MusicFeatures(include=("pitch",)).fit_transform(tone_220)[0, voiced] > 0.9
    assert MusicFeatures(include=("pitch",), pitch_fmin=400.0).fit_transform(tone_220)[0, voiced] < 0.1


@pytest.mark.parametrize("name", sorted(INVALID_VALUES))
def test_errors_name_the_class_the_user_configured(name):
    with pytest.raises(ValueError, match=rf"^The '{name}' parameter of MusicFeatures must be .* instead\.$"):
        MusicFeatures(**{name: INVALID_VALUES[name]}).fit()


@pytest.mark.parametrize(("name", "cls"), _group_params(), ids=lambda x: getattr(x, "__name__", x))
def test_a_group_alone_names_itself(name, cls):
    with pytest.raises(ValueError, match=rf"^The '{name}' parameter of {cls.__name__} must be "):
        cls(**{name: INVALID_VALUES[name]}).fit()


def test_band_counts_error_names_music_features():
    with pytest.raises(ValueError, match=r"The 'band_counts' parameter of MusicFeatures must be "):
        MusicFeatures(band_counts=(0,)).fit()
    with pytest.raises(
        ValueError, match=r"'window_seconds' parameter of MusicFeatures must be .* differ in milli"
    ):
        MusicFeatures(window_seconds=(0.5, 0.5001)).fit()


def test_an_unused_group_parameter_is_still_validated():
    with pytest.raises(ValueError, match="'n_mfcc' parameter of MusicFeatures"):
        MusicFeatures(n_mfcc=-1).fit()  # 'mfcc' is not in talk419, the value is still wrong


def test_groups_are_built_once_per_call_not_per_clip(monkeypatch):
    built = []
    real = registry.build_group
    monkeypatch.setattr(registry, "build_group", lambda *a, **k: built.append(a[0]) or real(*a, **k))
    MusicFeatures().transform([tone(440.0, 0.5), tone(550.0, 0.5), tone(660.0, 0.5)])
    assert len(built) == len(GROUPS)  # each group once, for the whole call


def test_include_may_name_only_groups_the_feature_set_offers():
    with pytest.raises(
        ValueError, match=r"among \['hpss', .*'pitch', 'mfcc'\] \(the groups of feature set 'talk419'"
    ):
        MusicFeatures(include=("hpss", "tempo")).fit()
    with pytest.raises(ValueError, match=r"empty only beside groups of your own"):
        MusicFeatures(include=[]).fit()
    assert MusicFeatures(include=("mfcc", "hpss")).fit().feature_set_version_ == "419.1"


# ---------------------------------------------------------------- every feature described


@pytest.mark.parametrize("cls", list(GROUPS.values()), ids=lambda c: c.__name__)
@pytest.mark.parametrize("other", [False, True], ids=["defaults", "other values"])
def test_every_group_describes_each_of_its_features(cls, other):
    params = {n: OTHER_VALUES[n] for n in cls._get_param_names()} if other else {}
    group = cls(**params)
    names, described = group.get_feature_names_out(), group.describe_features()
    assert len(described) == len(names) and len(set(described)) == len(names)
    assert all(isinstance(d, str) and d for d in described)


def test_descriptions_follow_the_parameters():
    described = MusicFeatures(sr=8000, band_fmax=3000.0).describe_features()
    names = list(MusicFeatures().get_feature_names_out())
    assert "pooled over its 6 bands" in described[names.index("spectral_contrast_mean")]
    assert "(857.2 Hz to 3000 Hz)" in described[names.index("band4_3_harmonic_mean")]


# ---------------------------------------------------------------- a group that learns


@pytest.fixture
def learning_set(monkeypatch):
    """A feature set with a learning group, plugged in as issue 13's will be: registry entries only."""
    monkeypatch.setattr(
        registry, "GROUPS", MappingProxyType({**GROUPS, "learned_level": LearnedLevelFeatures})
    )
    learning = FeatureSet("learning", "test.1", ("hpss", "learned_level"), description="a test set")
    monkeypatch.setattr(registry, "FEATURE_SETS", MappingProxyType({**FEATURE_SETS, "learning": learning}))
    return "learning"


def _training():
    return [tone(440.0, 1.0, amplitude=0.2), tone(330.0, 1.0, amplitude=0.4)]


def test_a_learning_group_plugs_in_through_the_registry(learning_set):
    mf = MusicFeatures(feature_set=learning_set)
    assert mf.__sklearn_tags__().requires_fit
    with pytest.raises(NotFittedError):
        mf.transform(_training())
    with pytest.raises(ValueError, match="learns from training clips .*LearnedLevelFeatures.*fit needs X"):
        mf.fit()
    X = mf.fit(_training()).transform(_training())
    assert mf.feature_set_version_ == "test.1" and len(mf.groups_) == 2
    assert list(mf.get_feature_names_out())[-1] == "harmonic_level_over_training"
    np.testing.assert_allclose(X[:, -1].mean(), 1.0)  # the training mean is the unit
    np.testing.assert_array_equal(X[:, :8], MusicFeatures(include=("hpss",)).fit_transform(_training()))
    with pytest.raises(NotFittedError):
        clone(mf).transform(_training())
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(mf)).transform(_training()), X)


def test_a_learning_group_learns_in_workers_and_obeys_on_error(learning_set, tmp_path):
    clips = _training() + [str(tmp_path / "missing.wav")]
    with pytest.warns(ExtractionWarning, match=r"X\[2\].*no such file.*left out of fit"):
        mf = MusicFeatures(feature_set=learning_set, on_error="nan", n_jobs=2).fit(clips)
    np.testing.assert_allclose(mf.transform(_training())[:, -1].mean(), 1.0)
    with pytest.raises(musicfeat.InvalidAudioError, match=r"X\[2\]"):
        MusicFeatures(feature_set=learning_set).fit(clips)


def test_the_cache_is_keyed_on_what_was_learnt(learning_set, tmp_path):
    quiet, loud = [tone(440.0, 1.0, amplitude=0.1)], [tone(440.0, 1.0, amplitude=0.5)]
    mf = MusicFeatures(feature_set=learning_set, memory=str(tmp_path))
    a = mf.fit(quiet).transform(quiet)[0, -1]
    b = mf.fit(loud).transform(quiet)[0, -1]
    assert a == pytest.approx(1.0) and b == pytest.approx(0.2, rel=1e-3)


def test_a_learning_group_alone():
    group = LearnedLevelFeatures()
    with pytest.raises(NotFittedError):
        group.transform(_training())
    assert group.fit(_training()).transform(_training()).shape == (2, 1)
    assert not MusicFeatures().__sklearn_tags__().requires_fit  # talk419 learns nothing


def test_deprecated_group_lists_of_features_module_warn():
    import musicfeat.features as features

    with pytest.warns(FutureWarning, match=r"musicfeat\.features\.GROUPS is deprecated"):
        assert features.GROUPS == tuple(GROUPS)
    with pytest.warns(FutureWarning, match=r"musicfeat\.features\.DEFAULT_GROUPS is deprecated"):
        assert features.DEFAULT_GROUPS == TALK419.groups


MOVED = [
    ("musicfeat.groups.temporal", "ZeroCrossingFeatures", "musicfeat.groups.zero_crossings"),
    ("musicfeat.groups.temporal", "zero_crossing_rate", "musicfeat.groups.zero_crossings"),
    ("musicfeat.frontend", "frame_blocks", "musicfeat.blockwise"),
    ("musicfeat.frontend", "project_frames", "musicfeat.blockwise"),
    ("musicfeat.frontend", "FRAME_BLOCK", "musicfeat.blockwise"),
    ("musicfeat.frontend", "estimate_tuning", "musicfeat.groups.note_classes"),
    ("musicfeat.batch", "Track", "musicfeat.batch.tracks"),
    ("musicfeat.batch", "file_sha256", "musicfeat.batch.tracks"),
    ("musicfeat.batch", "AUDIO_EXTENSIONS", "musicfeat.batch.tracks"),
    ("musicfeat.batch", "extract_track", "musicfeat.batch.workers"),
    ("musicfeat.batch", "METADATA_COLUMNS", "musicfeat.feature_table"),
    ("musicfeat.segments", "TEMPO_MIN_SECONDS", "musicfeat.segments.windows"),
    ("musicfeat.features", "STREAM_ABOVE_SECONDS", "musicfeat.extraction"),
    ("musicfeat.streaming", "STORE_MEMORY_BYTES", "musicfeat.accumulators"),
]


@pytest.mark.parametrize(("old", "name", "new"), MOVED, ids=lambda x: x if "." not in x else None)
def test_moved_names_still_work_with_a_warning(old, name, new):
    import importlib

    with pytest.warns(
        FutureWarning, match=rf"^{re.escape(old)}\.{name} is deprecated .* use {re.escape(new)}\.{name}"
    ):
        value = getattr(importlib.import_module(old), name)
    assert value is getattr(importlib.import_module(new), name)
    assert not hasattr(importlib.import_module(old), "no_such_name")


# ---------------------------------------------------------------- rooms and public names

PACKAGE = Path(musicfeat.__file__).parent


def _module_names():
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = _module_names()
PACKAGES = [n for n in MODULES if (PACKAGE.parent / n.replace(".", "/") / "__init__.py").exists()]
#: What each room may import from the package, besides itself (docs/README.md, "Architecture").
LEAVES = {
    "kernels",
    "_version",
    "exceptions",
    "_deprecation",
    "_validation",
    "blockwise",
    "stats",
    "summaries",
    "dsp",
    "table_text",
    "_optional",
    "value_identity",
    "_stacklevel",
}
ALLOWED = {
    **{leaf: set() for leaf in LEAVES},
    "datasets": set(),
    "io": {"exceptions", "dsp"},
    "feature_table": {"table_text", "_optional"},
    "frontend": {"kernels", "blockwise", "dsp", "_deprecation"},
    "accumulators": {"dsp"},
    "streaming": {"frontend", "accumulators", "blockwise", "dsp", "_deprecation"},
    "groups": {
        "frontend",
        "streaming",
        "blockwise",
        "dsp",
        "stats",
        "summaries",
        "kernels",
        "exceptions",
        "_validation",
        "_version",
        "_deprecation",
        "_stacklevel",
    },
    "extraction": {"groups", "frontend", "streaming", "io", "exceptions", "_stacklevel"},
    "_selection": {"groups", "frontend", "_validation"},
    "features": {
        "_selection",
        "extraction",
        "groups",
        "frontend",
        "io",
        "_validation",
        "_version",
        "_deprecation",
        "fitted_state",
        "_stacklevel",
    },
    "fitted_state": {"value_identity", "extraction"},
    "reference": {"features", "groups"},
    "batch": {
        "extraction",
        "features",
        "fitted_state",
        "value_identity",
        "feature_table",
        "table_text",
        "io",
        "exceptions",
        "_optional",
        "_version",
        "_deprecation",
    },
    "analysis": {"_deprecation", "_optional"},
    "segments": {
        "extraction",
        "frontend",
        "features",
        "groups",
        "io",
        "analysis",
        "exceptions",
        "_validation",
        "_deprecation",
    },
    "_warm": {"features", "kernels"},
    "__main__": {"cli"},
    "cli": {
        "features",
        "batch",
        "feature_table",
        "table_text",
        "analysis",
        "datasets",
        "exceptions",
        "groups",
        "kernels",
        "_optional",
        "_version",
    },
}
#: Imports against the arrows, each with its reason.
EXCEPTIONS = {
    (
        "musicfeat.groups._base",
        "io",
    ): "io.limits' DEFAULT_MAX_DURATION, the default of a group alone (no decoder)",
}


def _imported_rooms(module_name):
    """The package's top-level modules that ``module_name`` imports, anywhere in its code."""
    import ast

    path = PACKAGE.parent / (module_name.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE.parent / module_name.replace(".", "/") / "__init__.py"
    package = module_name if path.name == "__init__.py" else module_name.rpartition(".")[0]
    rooms = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            targets = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        rooms |= {t.split(".")[1] for t in targets if t.startswith("musicfeat.")}
    return rooms


@pytest.mark.parametrize("module_name", [m for m in MODULES if m != "musicfeat"])
def test_every_module_imports_only_along_the_arrows(module_name):
    room = module_name.split(".")[1]
    found = _imported_rooms(module_name) - {room} - {r for (m, r) in EXCEPTIONS if m == module_name}
    assert found <= ALLOWED[room], f"{module_name} imports {sorted(found - ALLOWED[room])}"


def test_groups_never_decode():
    """A group's only arrow to io is a constant: decoding, streaming and the engine are extraction's."""
    import ast

    for path in (PACKAGE / "groups").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("io"):
                assert (path.name, node.module, [a.name for a in node.names]) == (
                    "_base.py",
                    "io.limits",
                    ["DEFAULT_MAX_DURATION"],
                )
            if isinstance(node, ast.ImportFrom) and node.module == "streaming":
                assert "spectra_blocks" not in [a.name for a in node.names], path.name


def test_a_group_alone_reaches_the_extraction_layer_by_one_import_and_no_registry():
    """``_base._layer(name)`` reads ``name`` off the extraction package, imported on first use.

    No second path that the layer fills in when imported: every name the
    groups ask for is one the package has.
    """
    import ast

    import musicfeat.extraction as extraction
    from musicfeat.groups import _base

    assert not hasattr(_base, "install_extraction") and not hasattr(_base, "_extraction")
    asked = {
        node.args[0].value
        for node in ast.walk(ast.parse((PACKAGE / "groups" / "_base.py").read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_layer"
    }
    assert asked == {"calls", "ExtractionPlan", "ENGINE_OPTIONS", "ON_ERROR_OPTIONS"}
    for name in asked:
        assert _base._layer(name) is getattr(extraction, name)


def test_batch_uses_only_the_extractor_s_public_api():
    import ast

    for path in (PACKAGE / "batch").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                pytest.fail(f"{path.name}: private attribute {node.attr!r}")


@pytest.mark.parametrize("package_name", PACKAGES)
def test_every_package_all_is_consistent(package_name):
    import importlib
    import types

    package = importlib.import_module(package_name)
    assert len(set(package.__all__)) == len(package.__all__)
    for name in package.__all__:
        assert hasattr(package, name), f"{package_name}.__all__ names a missing {name!r}"
    public = {n for n in dir(package) if not n.startswith("_")} - set(package.__all__)
    for name in public:
        assert isinstance(getattr(package, name), types.ModuleType), f"{package_name}.{name} not in __all__"


def _has_all(module_name):
    return "\n__all__ = " in (PACKAGE.parent / (module_name.replace(".", "/") + ".py")).read_text()


@pytest.mark.parametrize("module_name", [m for m in MODULES if m not in PACKAGES and _has_all(m)])
def test_every_module_all_lists_its_public_functions_and_classes(module_name):
    import importlib

    module = importlib.import_module(module_name)
    for name in module.__all__:
        assert hasattr(module, name), f"{module_name}.__all__ names a missing {name!r}"
    defined = {
        n
        for n, obj in vars(module).items()
        if not n.startswith("_") and callable(obj) and getattr(obj, "__module__", None) == module_name
    }
    assert defined <= set(module.__all__), (
        f"{module_name}: {sorted(defined - set(module.__all__))} not in __all__"
    )


def test_musicfeat_versions_are_strings():
    assert isinstance(musicfeat.__version__, str) and isinstance(musicfeat.FEATURE_SET_VERSION, str)
