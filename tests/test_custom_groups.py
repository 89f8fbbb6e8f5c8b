"""docs/custom-groups.md runs as written; a user's group streams, is cached and runs in extract_folder."""

import re
from pathlib import Path

import numpy as np
import pytest

from musicfeat import InvalidAudioError, MusicFeatures
from musicfeat.extraction import runner
from musicfeat.groups import ClipTransformer

DOC = Path(__file__).parent.parent / "docs" / "custom-groups.md"
pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")


GUARD = 'if __name__ == "__main__":'


def _python_blocks():
    return re.findall(r"^```python\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The namespace of the page's Python blocks, run in order as a reader would."""
    import os
    import sys
    import types

    # A module pickle finds the class in, as the module of their own the page asks readers for.
    name = "custom_groups_page"
    module = types.ModuleType(name)
    sys.modules[name] = module
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("reader"))
    try:
        for code in _python_blocks():
            # A block guarded for a script runs as the script's main part (its class stays in the module).
            module.__dict__["__name__"] = "__main__" if GUARD in code else name
            exec(compile(code, str(DOC), "exec"), module.__dict__)
    finally:
        module.__dict__["__name__"] = name
        os.chdir(here)
    yield module.__dict__
    del sys.modules[name]


def test_the_page_runs_and_its_example_is_about_forty_lines(page):
    example = _python_blocks()[0]
    assert 30 <= len(example.strip().splitlines()) <= 50
    assert page["X"].shape == (1, 421)
    assert page["names"][-2:] == ["brightness_mean", "brightness_std"]
    np.testing.assert_array_equal(page["X_table"], page["X"])  # extract_folder gives transform's row


def test_the_page_runs_extract_folder_under_the_main_guard_as_a_script_must():
    """Its workers import the reader's script (README.md says why): each call sits under the guard."""
    import ast

    calls = 0
    for code in _python_blocks():
        tree = ast.parse(code)
        guarded = {
            id(node)
            for top in tree.body
            if isinstance(top, ast.If) and ast.unparse(top.test) == "__name__ == '__main__'"
            for node in ast.walk(top)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "extract_folder":
                calls += 1
                assert id(node) in guarded, f"extract_folder outside the guard: {ast.unparse(node)}"
    assert calls >= 1
    prose = DOC.read_text().split(f"\n{GUARD}")[0].rsplit("```python", 1)[0].rsplit("```", 1)[-1]
    assert f"`{GUARD}`" in prose and "importing your script" in prose, "the prose before it says why"


def test_the_page_is_in_the_docs_toctree():
    assert re.search(r"^custom-groups$", (DOC.parent / "index.md").read_text(), flags=re.M)


def _brightness(page, **params):
    return MusicFeatures(include=[], groups=[("brightness", page["Brightness"](**params))])


def test_the_user_group_streams_bit_for_bit_across_block_boundaries(page, monkeypatch, rng):
    import musicfeat.blockwise as blockwise

    monkeypatch.setattr(blockwise, "FRAME_BLOCK", 64)  # many blocks in a few seconds
    clips = [
        (0.1 * rng.standard_normal(64 * 512 * 3 + 700)).astype(np.float32),
        np.zeros(64 * 512, dtype=np.float32),
        (0.1 * rng.standard_normal(300)).astype(np.float32),  # shorter than a frame
    ]
    whole = _brightness(page).set_params(engine="whole").fit_transform(clips)
    stream = _brightness(page).set_params(engine="stream").fit_transform(clips)
    np.testing.assert_array_equal(stream, whole)
    assert whole.shape == (3, 2) and np.isfinite(whole).all()


def test_the_user_group_shares_the_analysis_and_keeps_its_parameters(page):
    from sklearn.base import clone

    mf = MusicFeatures(include=["hpss"], groups=[("brightness", page["Brightness"](cutoff_hz=500.0))])
    assert clone(mf).get_params()["groups"][0][1].cutoff_hz == 500.0
    clip = [(0.1 * np.random.default_rng(2).standard_normal(22050)).astype(np.float32)]
    X = mf.fit_transform(clip)
    np.testing.assert_array_equal(X[:, :8], MusicFeatures(include=["hpss"]).fit_transform(clip))
    assert X[0, 8] > _brightness(page, cutoff_hz=5000.0).fit_transform(clip)[0, 0]  # more above 500 Hz
    assert list(mf.describe_features())[-1].startswith("share of the power of S above 500 Hz")


def test_the_user_group_is_cached_by_memory(page, tmp_path, monkeypatch):
    analysed = []
    real = runner.run_accumulators
    monkeypatch.setattr(runner, "run_accumulators", lambda *a: analysed.append(1) or real(*a))
    clip = [(0.1 * np.random.default_rng(3).standard_normal(22050)).astype(np.float32)]
    first = _brightness(page).set_params(memory=str(tmp_path)).fit_transform(clip)
    again = _brightness(page).set_params(memory=str(tmp_path), engine="whole").fit_transform(clip)
    np.testing.assert_array_equal(again, first)
    assert len(analysed) == 1
    _brightness(page, cutoff_hz=900.0).set_params(memory=str(tmp_path)).fit_transform(clip)
    assert len(analysed) == 2, "the group's parameters are part of the key"


def test_groups_is_validated():
    from musicfeat import HPSSFeatures

    for bad in ([("mine", object())], [("hpss", HPSSFeatures())], "hpss", [("a", HPSSFeatures())] * 2):
        with pytest.raises(ValueError, match="'groups' parameter of MusicFeatures"):
            MusicFeatures(groups=bad).fit()
    with pytest.raises(ValueError, match="features named twice"):
        MusicFeatures(groups=[("again", HPSSFeatures())]).fit()


def test_make_union_holds_the_user_group_with_the_estimator_s_analysis(page):
    from musicfeat import HPSSFeatures

    mf = MusicFeatures(include=["spectral"], groups=[("rms", HPSSFeatures())], sr=16000, on_error="nan")
    union = dict(mf.make_union().transformer_list)
    assert union["rms"].get_params()["sr"] == 16000 and union["rms"].get_params()["on_error"] == "nan"
    assert mf.get_params()["groups"][0][1].sr == 22050, "the parameter itself is left as given"


class _Rows:
    """An accumulator that ignores the blocks and gives ``row``."""

    def __init__(self, row):
        self.row = row

    def add(self, block):
        pass

    def finish(self):
        return self.row


class BrokenRow(ClipTransformer):
    """A user's group whose row breaks the protocol: ``kind`` says how."""

    ROWS = {
        "long": np.arange(3.0),  # three values for two names
        "short": np.array([1.0]),
        "2d": np.zeros((1, 2)),
        "text": np.array(["0.5", "1.5"]),
        "ragged": [[1.0], [2.0, 3.0]],
        "objects": np.array([0.5, None], dtype=object),
        "none": None,
    }

    def __init__(self, *, kind="long"):
        super().__init__()
        self.kind = kind

    def feature_names(self):
        return ["broken_a", "broken_b"]

    def feature_descriptions(self):
        return ["first", "second"]

    def accumulator(self, config):
        return _Rows(self.ROWS[self.kind])


def _clips():
    return [(0.1 * np.random.default_rng(4).standard_normal(4096)).astype(np.float32)]


@pytest.mark.parametrize("engine", ["whole", "stream"])
@pytest.mark.parametrize(("kind", "what"), [("long", "3 values long"), ("short", "1 value long")])
def test_a_group_whose_row_is_not_as_long_as_its_names_is_named(engine, kind, what):
    mf = MusicFeatures(include=["zero_crossings"], groups=[("mine", BrokenRow(kind=kind))], engine=engine)
    expected = (
        rf"^group 'mine' \(BrokenRow\) of MusicFeatures: its row for X\[0\] is {what}, "
        r"but its feature_names\(\) names 2 features\."
    )
    for on_error in ("raise", "nan"):  # the group's fault, not the clip's: never a row of NaN
        with pytest.raises(ValueError, match=expected) as caught:
            mf.set_params(on_error=on_error).fit_transform(_clips())
        assert not isinstance(caught.value, InvalidAudioError)


@pytest.mark.parametrize("engine", ["whole", "stream"])
def test_a_group_alone_whose_row_is_not_as_long_as_its_names_is_named(engine):
    group = BrokenRow(kind="long")
    group.engine = engine  # a group that does not list engine runs with the one it holds
    with pytest.raises(
        ValueError, match=r"^BrokenRow: its row for X\[0\] is 3 values long, but .* 2 features"
    ):
        group.fit_transform(_clips())


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("2d", r"an array of shape \(1, 2\) \(not 1-D\)"),
        ("text", r"an array of dtype <U3 \(not numbers\)"),
        ("ragged", r"a list that is not an array"),
        ("objects", r"an array of dtype object \(not numbers\)"),
        ("none", r"None"),
    ],
)
def test_a_group_whose_row_is_not_a_1d_array_of_numbers_is_named(kind, what):
    mf = MusicFeatures(include=[], groups=[("mine", BrokenRow(kind=kind))])
    with pytest.raises(ValueError, match=rf"^group 'mine' \(BrokenRow\) of MusicFeatures: .* is {what}"):
        mf.fit_transform(_clips())
    with pytest.raises(ValueError, match=rf"^BrokenRow: its row for X\[0\] is {what}"):
        BrokenRow(kind=kind).transform(_clips())
