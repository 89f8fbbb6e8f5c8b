"""The 'extended' feature set: its two groups against plain librosa/scipy/sklearn, its edges, its contract.

Tolerances: the MFCC statistics agree with the librosa path (float32 mel
power, dB and DCT) within ``1e-4 * |ref| + 1e-3``; measured about 7e-5 at
worst on the recordings below (values of order 1 to 500 dB-units). The VLAD
is compared with a reference built from those librosa frames with the same
standardisation and k-means, within 1e-5 (float32 frames).
"""

import json
import pickle

import librosa
import numpy as np
import pytest
import scipy.stats
from golden import EXTENDED_PATH, PATH, extended_features, names_digest
from helpers import SR, tone
from helpers import labelled_clips as _labelled_clips
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import musicfeat
from musicfeat import HPMFCCVLAD, HPMFCCFeatures, MusicFeatures, Spectra
from musicfeat.extraction import runner, whole_clip_data
from musicfeat.groups import FEATURE_SETS
from musicfeat.groups.hp_mfcc_vlad import evenly_spaced

#: Short clips by design: the DegenerateFeatureWarning they give is expected here.
pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")

STATS = ("mean", "std", "skew", "kurtosis", "p10", "p50", "p90")


# ---------------------------------------------------------------- plain references


def naive_hp_mfcc(y, n_mfcc=20):
    """The MFCC frames of H and P by librosa alone: ``(2 * n_mfcc, t)``, and the silent frames."""
    H, P = librosa.decompose.hpss(np.abs(librosa.stft(y, n_fft=2048, hop_length=512, pad_mode="constant")))
    frames, mels = [], []
    for X in (H, P):
        mel = librosa.feature.melspectrogram(S=X**2, sr=SR)
        mels.append(mel)
        db = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=None)
        frames.append(librosa.feature.mfcc(S=db, n_mfcc=n_mfcc).astype(np.float64))
    silent = (mels[0].max(axis=0) <= 1e-10) & (mels[1].max(axis=0) <= 1e-10)
    return np.vstack(frames), silent


def naive_stats(frames):
    return np.stack(
        [
            frames.mean(axis=1),
            frames.std(axis=1),
            scipy.stats.skew(frames, axis=1),
            scipy.stats.kurtosis(frames, axis=1),
            *np.percentile(frames, [10, 50, 90], axis=1),
        ],
        axis=1,
    ).ravel()


def naive_vlad(frames, mean, scale, codebook):
    """VLAD written out: a loop over frames, then power and L2 normalisation."""
    k, d = codebook.shape
    v = np.zeros((k, d))
    for z in (frames - mean) / scale:
        j = int(np.argmin(((codebook - z) ** 2).sum(axis=1)))
        v[j] += z - codebook[j]
    v = np.sign(v) * np.sqrt(np.abs(v))
    norm = np.sqrt((v**2).sum())
    return (v / norm).ravel() if norm > 0 else v.ravel()


REAL = [("trumpet", None), ("choice", 10), ("robin", None)]


@pytest.mark.parametrize(("key", "duration"), REAL)
def test_hp_mfcc_matches_librosa_on_recordings(key, duration, example):
    y = example(key, duration)
    row = HPMFCCFeatures().transform([y])[0]
    frames, _ = naive_hp_mfcc(y)
    np.testing.assert_allclose(row, naive_stats(frames), rtol=1e-4, atol=1e-3)
    names = list(HPMFCCFeatures().get_feature_names_out())
    assert names[:7] == [f"harmonic_mfcc0_{s}" for s in STATS] and names[-1] == "percussive_mfcc19_p90"


def test_vlad_matches_a_plain_reference(example):
    clips = [example("trumpet"), example("choice", 8), example("robin")]
    vlad = HPMFCCVLAD(vlad_clusters=8, vlad_frames=200, random_state=3).fit(clips)
    pooled, naive_frames = [], []
    for y in clips:
        frames, silent = naive_hp_mfcc(y)
        kept = frames[:, ~silent].T.astype(np.float32).astype(np.float64)
        naive_frames.append(kept)
        pooled.append(kept[evenly_spaced(len(kept), 200)])
    X = np.concatenate(pooled)
    np.testing.assert_allclose(vlad.mean_, X.mean(axis=0), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(vlad.scale_, X.std(axis=0), rtol=1e-4, atol=1e-3)
    assert vlad.n_training_frames_ == len(X)
    # The reference encoding with the fitted standardisation and codebook.
    # Compared through sign(x) x**2, which undoes the signed square root: near 0
    # the root turns the frames' float32 rounding (1e-5) into 1e-5 absolute.
    got = vlad.transform(clips)
    for row, frames in zip(got, naive_frames, strict=True):
        ref = naive_vlad(frames, vlad.mean_, vlad.scale_, vlad.codebook_)
        np.testing.assert_allclose(row * np.abs(row), ref * np.abs(ref), rtol=1e-4, atol=1e-7)
        assert np.linalg.norm(row) == pytest.approx(1.0)
    # The codebook is k-means of the standardised pooled frames.
    km = KMeans(n_clusters=8, n_init=4, random_state=3).fit((X - X.mean(axis=0)) / X.std(axis=0))
    inertia = ((km.cluster_centers_[km.labels_] - (X - X.mean(axis=0)) / X.std(axis=0)) ** 2).sum()
    ours = ((X - vlad.mean_) / vlad.scale_)[:, None, :] - vlad.codebook_[None]
    assert (ours**2).sum(axis=2).min(axis=1).sum() <= inertia * (1 + 1e-3)


# ---------------------------------------------------------------- edges: finite everywhere


def _edge_clips():
    rng = np.random.default_rng(3)
    return {
        "silence": np.zeros(SR, dtype=np.float32),
        "short": tone(440.0, 0.05),
        "dc": np.full(SR, 0.5, dtype=np.float32),
        "noise": (0.1 * rng.standard_normal(2 * SR)).astype(np.float32),
        "tone": tone(330.0, 2.0),
        "single_sample": np.array([0.3], dtype=np.float32),
    }


def test_every_edge_clip_gives_finite_extended_features():
    clips = _edge_clips()
    mf = MusicFeatures(feature_set="extended")
    X = mf.fit_transform(list(clips.values()))
    assert X.shape == (len(clips), 1339) and np.isfinite(X).all()
    vlad = X[:, -640:]
    assert not vlad[list(clips).index("silence")].any(), "a silent clip encodes as zeros"
    sounding = [i for i, name in enumerate(clips) if name != "silence"]
    np.testing.assert_allclose(np.linalg.norm(vlad[sounding], axis=1), 1.0)


def test_silent_training_clips_are_refused_naming_the_parameter():
    silence = [np.zeros(SR, dtype=np.float32)] * 2
    with pytest.raises(
        ValueError, match=r"^The 'vlad_clusters' parameter of MusicFeatures must be .* \(0 pooled"
    ):
        MusicFeatures(feature_set="extended").fit(silence)
    with pytest.raises(
        ValueError, match=r"'vlad_clusters' parameter of HPMFCCVLAD .* \(3 pooled from 1 clips"
    ):
        HPMFCCVLAD(vlad_frames=3).fit([tone(440.0, 1.0)])


def test_a_steady_tone_trains_a_codebook_without_warnings():
    # Fewer distinct frames than codewords: duplicate codewords, defined encoding.
    X = MusicFeatures(feature_set="extended", include=["hp_mfcc_vlad"]).fit_transform([tone(440.0, 1.0)])
    assert np.isfinite(X).all()


# ---------------------------------------------------------------- the set, its golden values


def test_extended_is_the_419_then_the_two_groups_with_its_own_version():
    fs = FEATURE_SETS["extended"]
    assert fs.version == "extended.1" != musicfeat.FEATURE_SET_VERSION
    assert fs.groups == (*FEATURE_SETS["talk419"].groups, "hp_mfcc", "hp_mfcc_vlad")
    names = list(MusicFeatures(feature_set="extended").get_feature_names_out())
    assert names[:419] == list(MusicFeatures().get_feature_names_out()) and len(names) == 1339
    only = MusicFeatures(feature_set="extended", include=["hp_mfcc", "hpss"])
    assert len(only.get_feature_names_out()) == 288 and not only.__sklearn_tags__().requires_fit


def test_golden_values_of_the_extended_set():
    golden = json.loads(EXTENDED_PATH.read_text())
    names, row, mf = extended_features()
    bump = "the 'extended' features changed: bump EXTENDED_VERSION and run `python tests/golden.py extended`"
    assert golden["feature_set_version"] == mf.feature_set_version_ == "extended.1", bump
    assert names_digest(names) == golden["names_sha256"] and names == list(golden["values"]), bump
    expected = np.array(list(golden["values"].values()))
    shape_stat = np.array([n.endswith(("_skew", "_kurtosis")) for n in names])
    bad = np.abs(row - expected) > 1e-3 * np.abs(expected) + np.where(shape_stat, 1e-4, 1e-6)
    assert not bad.any(), f"{bump}; differing: {[names[i] for i in np.flatnonzero(bad)][:10]}"
    # Its first 419 are the talk's, as golden.json has them.
    talk = json.loads(PATH.read_text())["values"]
    np.testing.assert_allclose(expected[:419], list(talk.values()), rtol=1e-4, atol=1e-8)


# ---------------------------------------------------------------- the scikit-learn contract


def _small():
    return MusicFeatures(feature_set="extended", include=["hpss", "hp_mfcc_vlad"], vlad_clusters=4)


def test_transform_before_fit_is_refused():
    clips, _ = _labelled_clips()
    for est in (MusicFeatures(feature_set="extended"), HPMFCCVLAD()):
        assert est.__sklearn_tags__().requires_fit
        with pytest.raises(NotFittedError):
            est.transform(clips[:1])
    with pytest.raises(ValueError, match=r"learns from training clips \(HPMFCCVLAD\): fit needs X"):
        MusicFeatures(feature_set="extended").fit()


def test_fit_transform_is_fit_then_transform_and_analyses_each_clip_once(monkeypatch):
    clips, _ = _labelled_clips()
    analysed = []
    real = runner.run_accumulators
    monkeypatch.setattr(runner, "run_accumulators", lambda *a, **k: analysed.append(1) or real(*a, **k))
    X = _small().fit_transform(clips)
    assert len(analysed) == len(clips)
    np.testing.assert_array_equal(X, _small().fit(clips).transform(clips))


def test_the_cache_holds_the_analysis_for_every_fit(tmp_path, monkeypatch):
    clips, _ = _labelled_clips()
    analysed = []
    real = runner.run_accumulators
    monkeypatch.setattr(runner, "run_accumulators", lambda *a, **k: analysed.append(1) or real(*a, **k))
    mf = clone(_small()).set_params(memory=str(tmp_path))
    first = mf.fit(clips[:6]).transform(clips)
    again = mf.fit(clips[6:]).transform(clips)  # another codebook, the same analyses
    assert len(analysed) == len(clips)
    np.testing.assert_array_equal(first, _small().fit(clips[:6]).transform(clips))
    np.testing.assert_array_equal(again, _small().fit(clips[6:]).transform(clips))
    assert not np.array_equal(first, again)


def test_clone_pickle_and_set_output():
    pd = pytest.importorskip("pandas")
    clips, _ = _labelled_clips()
    mf = _small().fit(clips)
    with pytest.raises(NotFittedError):
        clone(mf).transform(clips)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(mf)).transform(clips), mf.transform(clips))
    df = _small().set_output(transform="pandas").fit_transform(clips)
    assert isinstance(df, pd.DataFrame) and list(df.columns) == list(mf.get_feature_names_out())


def test_cross_validation_learns_a_codebook_per_fold_and_encodes_unseen_clips_with_it():
    clips, y = _labelled_clips()
    folds = list(StratifiedKFold(3).split(clips, y))
    fitted = [_small().fit([clips[i] for i in train]) for train, _ in folds]
    codebooks = [mf.groups_[-1].codebook_ for mf in fitted]
    assert not np.allclose(codebooks[0], codebooks[1]) and not np.allclose(codebooks[1], codebooks[2])
    for mf, (_, test) in zip(fitted, folds, strict=True):
        vlad = mf.groups_[-1]
        unseen = mf.transform([clips[i] for i in test])[:, -vlad.codebook_.size :]
        for row, i in zip(unseen, test, strict=True):
            data = whole_clip_data([vlad], Spectra(clips[i]))[0]
            np.testing.assert_allclose(
                row, naive_vlad(data, vlad.mean_, vlad.scale_, vlad.codebook_), rtol=1e-5, atol=1e-7
            )
    model = Pipeline(
        [
            ("features", _small()),
            ("scale", StandardScaler()),
            ("forest", RandomForestClassifier(20, random_state=0)),
        ]
    )
    assert cross_val_score(model, clips, y, cv=StratifiedKFold(3)).mean() > 0.9


def test_grid_search_with_memory(tmp_path):
    clips, y = _labelled_clips()
    model = Pipeline(
        [
            ("features", _small().set_params(memory=str(tmp_path))),
            ("forest", RandomForestClassifier(n_estimators=10, random_state=0)),
        ]
    )
    grid = GridSearchCV(model, {"features__vlad_clusters": [2, 4]}, cv=StratifiedKFold(2)).fit(clips, y)
    assert grid.best_score_ > 0.9


def test_fitted_state_round_trips_through_npz_and_refuses_other_parameters(tmp_path):
    clips, _ = _labelled_clips()
    mf = _small().fit(clips)
    path = tmp_path / "fitted.npz"
    mf.save_fitted(path)
    with np.load(path, allow_pickle=False) as data:  # plain arrays: no pickle needed to read it
        assert "hp_mfcc_vlad.codebook_" in data.files
    np.testing.assert_array_equal(_small().load_fitted(path).transform(clips), mf.transform(clips))
    with pytest.raises(ValueError, match=r"fitted with other parameters \(vlad_clusters: 4 there, 3 here\)"):
        _small().set_params(vlad_clusters=3).load_fitted(path)
    with pytest.raises(NotFittedError):
        _small().save_fitted(path)


def test_on_error_nan_leaves_a_bad_clip_out_of_fit(tmp_path):
    clips, _ = _labelled_clips()
    bad = str(tmp_path / "missing.wav")
    with pytest.warns(musicfeat.ExtractionWarning) as caught:
        X = _small().set_params(on_error="nan").fit_transform([*clips[:4], bad])
    said = [str(w.message) for w in caught]
    assert len(said) == 2 and "left out of fit" in said[0] and "its features are NaN" in said[1]
    assert np.isnan(X[-1]).all() and np.isfinite(X[:-1]).all()
    with pytest.raises(musicfeat.InvalidAudioError, match=r"X\[4\]"):
        _small().fit_transform([*clips[:4], bad])


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("vlad_clusters", 0, r"an int in the range \[1, 1024\]"),
        ("vlad_frames", 0, r"an int in the range \[1, inf\)"),
        ("random_state", "seed", r"an int in the range \[0, 4294967295\], a RandomState or None"),
    ],
)
def test_bad_parameters_are_refused_in_fit_naming_them(name, value, expected):
    clips, _ = _labelled_clips()
    mf = MusicFeatures(feature_set="extended", **{name: value})  # stored unchanged
    assert mf.get_params()[name] == value
    with pytest.raises(ValueError, match=rf"^The '{name}' parameter of MusicFeatures must be {expected}"):
        mf.fit(clips)
