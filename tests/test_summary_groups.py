"""The summary groups outside the feature sets (issue 20): SpectralCovariance, GaussianTimbre, BlockLevelPatterns.

Each against a naive reference (librosa's STFT, mel spectrogram, dB and MFCC
on the whole clip, numpy's covariance, loops over blocks), on recordings and
synthetic signals; the stream engine equal to the whole clip bit for bit with
tiny blocks (as tests/test_stream.py); finite on silence and clips of one
frame; the scikit-learn contract; and the 419 and ``extended`` untouched.
"""

import pickle

import librosa
import numpy as np
import pytest
from helpers import SR, tone
from sklearn.base import clone
from test_sklearn_contract import DATA_FREE_CHECKS

import musicfeat
import musicfeat.blockwise as blockwise
from musicfeat import BlockLevelPatterns, GaussianTimbre, MusicFeatures, SpectralCovariance
from musicfeat.summaries import fluctuation_pattern

pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")

CLASSES = [SpectralCovariance, GaussianTimbre, BlockLevelPatterns]
#: Columns at the default parameters (benchmarks/candidates.py's sizes).
SIZES = {SpectralCovariance: 560, GaussianTimbre: 230, BlockLevelPatterns: 2270}
SMALL_BLOCK = 64


@pytest.fixture
def small_blocks(monkeypatch):
    from musicfeat import accumulators

    monkeypatch.setattr(blockwise, "FRAME_BLOCK", SMALL_BLOCK)
    monkeypatch.setattr(accumulators, "STORE_MEMORY_BYTES", 2**16)


# ---------------------------------------------------------------- naive references


def naive_db(y, n_mels, sr=SR, n_fft=2048, hop_length=512):
    """librosa on the whole clip: |STFT|, mel power (float64), power_to_db without a floor below the maximum."""
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop_length)).astype(np.float64)
    mel = librosa.feature.melspectrogram(S=S**2, sr=sr, n_fft=n_fft, n_mels=n_mels)
    return librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=None)


def naive_covariance_row(X, kind="covariance"):
    mean, C = X.mean(axis=1), np.cov(X, bias=True).reshape(len(X), len(X))
    d = len(X)
    if kind == "covariance":
        return np.concatenate([mean, C[np.triu_indices(d)]])
    if kind == "correlation":
        R = np.corrcoef(X).reshape(d, d)
        return np.concatenate([mean, X.std(axis=1), R[np.triu_indices(d, k=1)]])
    return np.concatenate([mean, np.log(np.maximum(np.sort(np.linalg.eigvalsh(C))[::-1], 1e-10))])


def naive_blocks(X, sr=SR, hop_length=512):
    """The six patterns by plain loops over the blocks of the whole clip's frames X (bands, T)."""

    def blocks(Z, L, h):
        T = Z.shape[1]
        if T < L:
            return [Z[:, np.arange(L) % T]]
        return [Z[:, s : s + L] for s in range(0, T - L + 1, h)]

    def onsets(B):
        return np.sort(np.maximum(B[:, 3:] - B[:, :-3], 0.0), axis=1).ravel()

    def contrast(B):
        rows = []
        for part in np.array_split(B, len(B) // 4):
            s = np.sort(part, axis=0)
            rows.append(s[-1] - s[0])  # 4 bands a sub-band: a quarter is one band
        return np.sort(np.array(rows), axis=1).ravel()

    def correlation(B):
        pooled = np.array([(B[2 * i] + B[2 * i + 1]) / 2 for i in range(len(B) // 2)])
        R = np.nan_to_num(np.corrcoef(pooled), nan=0.0)
        return R[np.triu_indices(len(pooled), k=1)]

    out = [
        np.percentile([np.sort(B, axis=1).ravel() for B in blocks(X, 10, 5)], 90, axis=0),
        np.percentile([onsets(B) for B in blocks(X, 13, 5)], 90, axis=0),
        np.var([onsets(B) for B in blocks(X, 13, 5)], axis=0),
        # fluctuation_pattern is itself checked against a direct DFT in tests/test_summaries.py
        np.percentile(
            [fluctuation_pattern(B, sr / hop_length, n_bins=12).ravel() for B in blocks(X, 512, 128)],
            60,
            axis=0,
        ),
        np.percentile([correlation(B) for B in blocks(X, 256, 128)], 50, axis=0),
        np.percentile([contrast(B) for B in blocks(X, 40, 20)], 10, axis=0),
    ]
    return np.concatenate(out)


def _close(row, ref, rtol=1e-6):
    """Equal up to the STFT's float32 rounding, relative to the row's scale."""
    np.testing.assert_allclose(row, ref, rtol=rtol, atol=rtol * np.abs(ref).max())


@pytest.mark.parametrize("kind", ["covariance", "correlation"])
def test_spectral_covariance_equals_librosa_and_numpy_on_a_recording(example, kind):
    y = example("trumpet")
    row = SpectralCovariance(kind=kind).fit_transform([y])[0]
    _close(row, naive_covariance_row(naive_db(y, 32), kind), rtol=1e-5)


def test_spectral_covariance_log_eigenvalues_on_a_recording_and_on_noise(example, rng):
    for y in (example("trumpet"), (0.1 * rng.standard_normal(3 * SR)).astype(np.float32)):
        row = SpectralCovariance(n_mels=12, kind="log_eigenvalues").fit_transform([y])[0]
        ref = naive_covariance_row(naive_db(y, 12), "log_eigenvalues")
        np.testing.assert_allclose(row[:12], ref[:12], rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(row[12:], ref[12:], atol=1e-3)  # logs: absolute
        assert np.all(np.diff(row[12:]) <= 0), "decreasing"


def test_gaussian_timbre_equals_librosa_mfcc_mean_and_covariance(example):
    y = example("trumpet")
    M = librosa.feature.mfcc(S=naive_db(y, 128), n_mfcc=20)
    _close(GaussianTimbre().fit_transform([y])[0], naive_covariance_row(M), rtol=1e-5)
    M13 = M[:13]
    _close(GaussianTimbre(n_mfcc=13).fit_transform([y])[0], naive_covariance_row(M13), rtol=1e-5)


def test_block_patterns_equal_loops_over_blocks_on_a_recording(example):
    y = example("choice", duration=15.0)  # 646 frames: two lfp blocks, four cp blocks
    row = BlockLevelPatterns().fit_transform([y])[0]
    ref = naive_blocks(naive_db(y, 40))
    assert row.shape == ref.shape == (2270,)
    _close(row, ref, rtol=1e-5)


def test_block_patterns_of_a_clip_shorter_than_a_block_and_of_a_tone():
    for y in (tone(440.0, 2.0), tone(220.0, 0.3) + tone(3000.0, 0.3, amplitude=0.1)):
        _close(BlockLevelPatterns().fit_transform([y])[0], naive_blocks(naive_db(y, 40)), rtol=1e-5)


def test_pattern_selection_is_the_columns_of_the_full_row_in_canonical_order(example):
    y = example("trumpet")
    full = BlockLevelPatterns()
    names = list(full.get_feature_names_out())
    row = full.fit_transform([y])[0]
    some = BlockLevelPatterns(patterns=["scp", "sp", "lfp"])
    some_names = list(some.get_feature_names_out())
    assert [n.split("_")[1] for n in some_names[:: len(some_names) - 1]] == ["sp", "scp"]
    columns = [names.index(n) for n in some_names]
    np.testing.assert_array_equal(some.fit_transform([y])[0], row[columns])
    sizes = {p: sum(n.split("_")[1] == p for n in names) for p in ("sp", "dsp", "vdsp", "lfp", "cp", "scp")}
    assert sizes == {"sp": 400, "dsp": 400, "vdsp": 400, "lfp": 480, "cp": 190, "scp": 400}


# ---------------------------------------------------------------- engines, edge cases


def _groups():
    return [
        SpectralCovariance(),
        SpectralCovariance(n_mels=9, kind="correlation"),
        SpectralCovariance(n_mels=7, kind="log_eigenvalues"),
        GaussianTimbre(),
        BlockLevelPatterns(),
        BlockLevelPatterns(n_mels=13, patterns=("cp", "dsp")),
    ]


def _edge_clips(rng):
    hop = 512
    steady = np.sin(2 * np.pi * 440 * np.arange(SMALL_BLOCK * hop) / SR).astype(np.float32)
    return [
        np.zeros(3 * SMALL_BLOCK * hop, dtype=np.float32),  # silence
        (0.1 * rng.standard_normal(100)).astype(np.float32),  # shorter than one frame: one frame
        steady,  # at a block boundary, and one frame either side
        steady[:-hop],
        np.concatenate([steady, steady[:hop]]),
        (0.1 * rng.standard_normal(2 * SMALL_BLOCK * hop + hop + 7)).astype(
            np.float32
        ),  # last block: 1 frame
    ]


def test_stream_equals_whole_bit_for_bit_on_recordings_and_edge_cases(small_blocks, example_path, rng):
    clips = [example_path("trumpet"), example_path("choice"), *_edge_clips(rng)]
    for group in _groups():
        whole = clone(group).set_params(engine="whole").fit_transform(clips)
        streamed = clone(group).set_params(engine="stream").fit_transform(clips)
        assert whole.shape == (len(clips), len(group.get_feature_names_out()))
        np.testing.assert_array_equal(streamed, whole, err_msg=repr(group))


def test_in_music_features_stream_equals_whole_and_the_columns_are_the_group_s(small_blocks, example_path):
    clips = [example_path("trumpet")]
    groups = [
        ("speccov", SpectralCovariance()),
        ("gauss", GaussianTimbre()),
        ("blocks", BlockLevelPatterns()),
    ]
    rows = {
        engine: MusicFeatures(include=[], groups=groups, engine=engine).fit_transform(clips)
        for engine in ("whole", "stream")
    }
    np.testing.assert_array_equal(rows["stream"], rows["whole"])
    alone = np.hstack([group.fit_transform(clips) for _, group in groups])
    np.testing.assert_array_equal(rows["whole"], alone)


def test_silence_and_one_frame_clips_are_finite(rng):
    clips = [
        np.zeros(SR, dtype=np.float32),
        np.zeros(10, dtype=np.float32),
        (0.1 * rng.standard_normal(100)).astype(np.float32),  # one frame
        tone(440.0, 0.05),  # three frames
    ]
    for group in _groups():
        X = group.fit_transform(clips)
        assert np.isfinite(X).all(), repr(group)
    d = 32
    silence = SpectralCovariance().fit_transform(clips[:1])[0]
    np.testing.assert_array_equal(silence[:d], -100.0)  # the dB floor
    np.testing.assert_array_equal(silence[d:], 0.0)
    one_frame = GaussianTimbre().fit_transform(clips[2:3])[0]
    np.testing.assert_array_equal(one_frame[20:], 0.0)  # one frame: no spread
    assert (
        np.count_nonzero(BlockLevelPatterns(patterns=("dsp", "vdsp", "lfp", "cp")).transform(clips[:1])) == 0
    )


def test_music_features_with_a_summary_group_appends_its_columns_after_the_419():
    clip = [tone(330.0, 1.0)]
    mf = MusicFeatures(groups=[("speccov", SpectralCovariance(n_mels=8))])
    names = list(mf.get_feature_names_out())
    assert len(names) == 419 + 8 + 36 and names[:419] == list(MusicFeatures().get_feature_names_out())
    X = mf.fit_transform(clip)
    np.testing.assert_array_equal(X[:, :419], MusicFeatures().fit_transform(clip))
    np.testing.assert_array_equal(X[:, 419:], SpectralCovariance(n_mels=8).fit_transform(clip))


def test_the_feature_sets_do_not_hold_the_summary_groups():
    from musicfeat.groups import FEATURE_SETS, GROUPS

    assert not set(CLASSES) & set(GROUPS.values())
    for fs in FEATURE_SETS:
        names = MusicFeatures(feature_set=fs).get_feature_names_out()
        assert not any(str(n).startswith(("speccov_", "gauss_", "blocks_")) for n in names), fs
    assert len(MusicFeatures().get_feature_names_out()) == 419


# ---------------------------------------------------------------- scikit-learn contract


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("check", DATA_FREE_CHECKS, ids=lambda c: c.__name__)
def test_data_free_sklearn_checks(cls, check):
    check(cls.__name__, cls())


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_names_descriptions_and_columns_agree(cls):
    group = cls()
    names = group.get_feature_names_out()
    assert len(names) == SIZES[cls] == len(set(names)) == len(group.describe_features())
    X = group.fit_transform([tone(440.0, 0.5), tone(660.0, 1.0)])
    assert X.shape == (2, len(names)) and X.dtype == np.float64
    assert group.n_features_out_ == len(names)
    assert getattr(musicfeat, cls.__name__) is cls and cls.__name__ in musicfeat.__all__


@pytest.mark.parametrize(
    ("group", "columns"),
    [
        (SpectralCovariance(n_mels=5), 5 + 15),
        (SpectralCovariance(n_mels=5, kind="correlation"), 5 + 5 + 10),
        (SpectralCovariance(n_mels=5, kind="log_eigenvalues"), 10),
        (GaussianTimbre(n_mfcc=4), 4 + 10),
        (BlockLevelPatterns(n_mels=9), 90 + 90 + 90 + 108 + 10 + 80),  # cp: 5 pooled bands
    ],
)
def test_columns_follow_the_parameters(group, columns):
    assert len(group.get_feature_names_out()) == columns
    assert group.fit_transform([tone(440.0, 0.5)]).shape == (1, columns)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_clone_and_pickle_roundtrip(cls):
    clips = [tone(330.0, 1.5), tone(500.0, 0.4)]
    est = cls(hop_length=256).fit()
    assert clone(est).get_params() == est.get_params()
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(clips), est.transform(clips))


@pytest.mark.parametrize(
    ("group", "match"),
    [
        (SpectralCovariance(n_mels=0), r"'n_mels' parameter of SpectralCovariance must be an int"),
        (
            SpectralCovariance(kind="eigenvalues"),
            r"'kind' parameter of SpectralCovariance must be a str among",
        ),
        (
            GaussianTimbre(n_mfcc=129),
            r"'n_mfcc' parameter of GaussianTimbre must be an int in the range \[1, 128\]",
        ),
        (
            BlockLevelPatterns(n_mels=3),
            r"'n_mels' parameter of BlockLevelPatterns must be an int in the range \[4,",
        ),
        (BlockLevelPatterns(patterns=("sp", "nope")), r"'patterns' parameter of BlockLevelPatterns must be"),
        (BlockLevelPatterns(patterns=()), r"'patterns' parameter of BlockLevelPatterns must be"),
        (BlockLevelPatterns(patterns="sp"), r"'patterns' parameter of BlockLevelPatterns must be"),
        (SpectralCovariance(n_fft=64), r"'n_fft' parameter of SpectralCovariance must be an int of at least"),
    ],
)
def test_parameters_are_stored_unchanged_and_validated_in_fit(group, match):
    params = group.get_params()
    with pytest.raises(ValueError, match=match):
        group.fit()
    assert group.get_params() == params


def test_a_group_in_music_features_names_music_features_in_its_errors():
    mf = MusicFeatures(include=[], groups=[("speccov", SpectralCovariance(kind="nope"))])
    with pytest.raises(ValueError, match="kind"):
        mf.fit()


@pytest.mark.parametrize(
    "group, parameter",
    [
        (SpectralCovariance(kind="bogus"), "kind"),
        (GaussianTimbre(n_mfcc=0), "n_mfcc"),
        (BlockLevelPatterns(n_mels=0), "n_mels"),
    ],
)
def test_a_bad_parameter_in_groups_names_the_group_not_music_features(group, parameter):
    """These parameters are the group's, never MusicFeatures' own: the error must not say they are."""
    with pytest.raises(ValueError) as error:
        MusicFeatures(groups=[("mine", group)]).fit([tone(440.0, 1.0)])
    message = str(error.value)
    assert message.startswith("group 'mine' of MusicFeatures: ")
    assert f"The {parameter!r} parameter of {type(group).__name__} must be" in message
