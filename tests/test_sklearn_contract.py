"""The scikit-learn estimator contract, for transformers whose X is audio.

``parametrize_with_checks`` runs nothing for an estimator whose X is not a
2-D numeric array, so the data-free checks are called one by one and the rest
(clone, pickle, names, set_output, pipelines) is tested here directly.
"""

import pickle
from pathlib import Path

import numpy as np
import pytest
from helpers import SR, tone
from helpers import labelled_clips as _labelled_clips
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import SkipTestWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_estimator,
    check_estimator_cloneable,
    check_estimator_repr,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

import musicfeat
from musicfeat import (
    HPMFCCVLAD,
    BandEnergy,
    HPMFCCFeatures,
    HPSSFeatures,
    MFCCFeatures,
    MusicFeatures,
    NoteClassFeatures,
    PitchFeatures,
    PolyFeatures,
    RhythmFeatures,
    SpectralFeatures,
    WindowedStats,
    ZeroCrossingFeatures,
)
from musicfeat.groups import GROUPS

#: Short clips by design: the DegenerateFeatureWarning they give is expected here
#: (tests/test_parameters.py tests the warning itself).
pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")

#: MusicFeatures and every registered group: a group added to the registry is checked here too.
ALL = [MusicFeatures, *GROUPS.values()]
GROUP_SIZES = {
    HPSSFeatures: 8,
    SpectralFeatures: 6,
    PolyFeatures: 4,
    ZeroCrossingFeatures: 2,
    RhythmFeatures: 3,
    NoteClassFeatures: 36,
    BandEnergy: 312,
    WindowedStats: 48,
}
OUTSIDE_419 = {PitchFeatures: 7, MFCCFeatures: 40, HPMFCCFeatures: 280, HPMFCCVLAD: 640}
DATA_FREE_CHECKS = [
    check_estimator_cloneable,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_get_params_invariance,
    check_set_params,
    check_estimator_repr,
]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@pytest.mark.parametrize("check", DATA_FREE_CHECKS, ids=lambda c: c.__name__)
def test_data_free_sklearn_checks(cls, check):
    check(cls.__name__, cls())


def test_check_estimator_skips_every_check_that_needs_data_as_the_docs_say():
    """Why the checks above are called one by one; the docs say so, and name them and this file."""
    with pytest.warns(SkipTestWarning, match=r"Can't test estimator MusicFeatures which requires input"):
        results = check_estimator(MusicFeatures(), on_fail=None)
    assert [r["check_name"] for r in results] == ["check_estimator_cloneable"]
    page = (Path(__file__).parent.parent / "docs" / "sklearn.md").read_text()
    for text in (MusicFeatures.__doc__, page):
        assert "tests/test_sklearn_contract.py" in text
        for check in DATA_FREE_CHECKS:
            assert check.__name__ in text


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_init_only_stores_parameters(cls):
    est = cls(sr=-5, on_error="bogus")  # invalid values are stored, not checked
    assert est.get_params()["sr"] == -5
    with pytest.raises(
        ValueError,
        match=rf"The 'sr' parameter of {cls.__name__} must be an int in the range \[4000, 192000\]\. Got -5 instead\.",
    ):
        est.fit()


def _clips():
    rng = np.random.default_rng(0)
    return [tone(330.0, 1.5), (0.1 * rng.standard_normal(SR)).astype(np.float32)]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_names_before_and_after_fit_and_output_shape(cls):
    est = cls()
    names = est.get_feature_names_out()
    assert names.dtype == object and len(set(names)) == len(names)
    if cls in GROUP_SIZES or cls in OUTSIDE_419:
        assert len(names) == {**GROUP_SIZES, **OUTSIDE_419}[cls]
    X = est.fit_transform(_clips())
    assert X.shape == (2, len(names)) and X.dtype == np.float64
    np.testing.assert_array_equal(est.get_feature_names_out(), names)
    assert est.n_features_out_ == len(names)


def test_groups_sum_to_419_in_spec_order():
    mf = MusicFeatures()
    names = list(mf.get_feature_names_out())
    assert len(names) == 419 == sum(GROUP_SIZES.values())
    union = mf.make_union()
    assert [type(t) for _, t in union.transformer_list] == list(GROUP_SIZES)
    assert names == list(union.get_feature_names_out())


def test_make_union_gives_the_same_values_as_music_features():
    clips = _clips()
    np.testing.assert_array_equal(
        MusicFeatures().fit_transform(clips), MusicFeatures().make_union().fit_transform(clips)
    )


def test_lengths_and_names_follow_parameters():
    mf = MusicFeatures(band_counts=(2, 5), window_seconds=(0.25, 2))
    names = list(mf.get_feature_names_out())
    assert len(names) == 23 + 36 + 8 * 7 + 12 * 2
    assert "band5_4_percussive_kurtosis" in names and "win250ms_harmonic_skew" in names
    assert mf.fit_transform(_clips()).shape == (2, len(names))


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_clone_and_pickle_roundtrip(cls):
    clips = _clips()
    est = cls(hop_length=256)
    est.fit(clips if est.learns else None)
    assert clone(est).get_params() == est.get_params()
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(clips), est.transform(clips))


def test_transform_without_fit_is_allowed():
    X = HPSSFeatures().transform(_clips())
    assert X.shape == (2, 8)


def test_set_output_pandas():
    pd = pytest.importorskip("pandas")
    mf = MusicFeatures().set_output(transform="pandas")
    df = mf.fit_transform(_clips())
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(mf.get_feature_names_out())
    assert df.shape == (2, 419)


def test_pipeline_cross_val_score():
    clips, y = _labelled_clips()
    model = Pipeline(
        [
            ("musicfeatures", MusicFeatures()),
            ("scale", StandardScaler()),
            ("forest", RandomForestClassifier(n_estimators=20, random_state=0)),
        ]
    )
    scores = cross_val_score(model, clips, y, cv=StratifiedKFold(3))
    assert scores.mean() > 0.9  # tones and noise are trivially apart


def test_grid_search_over_feature_and_classifier_parameters(tmp_path):
    clips, y = _labelled_clips()
    model = Pipeline(
        [
            ("musicfeatures", MusicFeatures(memory=str(tmp_path))),
            ("scale", StandardScaler()),
            ("forest", RandomForestClassifier(n_estimators=10, random_state=0)),
        ]
    )
    grid = GridSearchCV(
        model,
        {"musicfeatures__band_counts": [(4,), (4, 11, 24)], "forest__max_depth": [2, None]},
        cv=StratifiedKFold(2),
    )
    grid.fit(clips, y)
    assert grid.best_score_ > 0.9
    assert grid.best_estimator_.named_steps["musicfeatures"].n_features_out_ in (23 + 36 + 32 + 48, 419)


def test_feature_set_version_attribute():
    assert MusicFeatures().fit().feature_set_version_ == musicfeat.FEATURE_SET_VERSION


def test_values_do_not_depend_on_blas_threads():
    from threadpoolctl import threadpool_limits

    clips = _clips()
    with threadpool_limits(limits=2, user_api="blas"):
        two = MusicFeatures().fit_transform(clips)
    with threadpool_limits(limits=1, user_api="blas"):
        one = MusicFeatures().fit_transform(clips)
    np.testing.assert_array_equal(one, two)
