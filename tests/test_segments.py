"""Segments, pitch, MFCCs, timelines and proportions on recordings with known answers."""

import librosa
import numpy as np
import pytest
from helpers import SR, tone

from musicfeat import MFCCFeatures, MusicFeatures, PitchFeatures, Segmenter
from musicfeat.segments import (
    change_points,
    plot_timeline,
    predict_proportions,
    predict_timeline,
    segment_dataset,
    segment_features,
    silent_segments,
    train_segment_classifier,
)

pytest.importorskip("pandas")


@pytest.mark.parametrize(
    ("tail", "seconds", "expected"),
    [
        ("shift", 4.5, [(0, 2), (1, 3), (2, 4), (2.5, 4.5)]),
        ("pad", 4.5, [(0, 2), (1, 3), (2, 4), (3, 4.5)]),
        ("drop", 4.5, [(0, 2), (1, 3), (2, 4)]),
        ("shift", 4.0, [(0, 2), (1, 3), (2, 4)]),
        ("shift", 1.5, [(0, 1.5)]),
        ("pad", 1.5, [(0, 1.5)]),
        ("drop", 1.5, []),
    ],
)
def test_window_bounds_and_tail_rules(tail, seconds, expected):
    assert Segmenter(tail=tail).bounds(int(seconds * SR), SR) == [(float(a), float(b)) for a, b in expected]


def test_segment_table_ids_times_and_features():
    clips = [tone(440.0, 3.0), tone(220.0, 1.2)]
    table = Segmenter().segment(clips)
    assert table.recording.tolist() == [0, 0, 1]
    np.testing.assert_allclose(table.start_s, [0, 1, 0])
    np.testing.assert_allclose(table.end_s, [2, 3, 1.2])
    assert table.X.shape == (3, len(table.feature_names)) and np.isfinite(table.X).all()
    names = table.feature_names
    assert "tempo_bpm" not in names and not any(n.startswith("band") for n in names)
    assert {"win500ms_harmonic_std", "win1000ms_harmonic_std"} <= set(names)
    assert not any(n.startswith(("win3000ms", "win5000ms")) for n in names)
    assert "pitch_f0_median_hz" in names and "mfcc0_mean" in names
    frame = table.to_frame()
    assert list(frame.columns[:4]) == ["recording", "start_s", "end_s", "energy_db"]
    # The padded short recording's window is the clip followed by zeros.
    padded = np.pad(clips[1], (0, 2 * SR - clips[1].size))
    np.testing.assert_array_equal(table.X[2], segment_features(2.0).fit_transform([padded])[0])


def test_long_segments_keep_tempo_and_wide_windows():
    mf = segment_features(10.0)
    assert "rhythm" in mf.include and mf.window_seconds == (0.5, 1, 3, 5)
    assert segment_features(0.5).window_seconds == (0.125,)


def test_pitch_features_on_tones_silence_and_noise():
    pitch = PitchFeatures()
    rows = pitch.fit_transform(
        [
            tone(220.0, 1.0),
            tone(110.0, 1.0),
            np.zeros(SR, np.float32),
            (0.3 * np.random.default_rng(0).standard_normal(SR)).astype(np.float32),
        ]
    )
    names = list(pitch.get_feature_names_out())
    median, voiced = names.index("pitch_f0_median_hz"), names.index("pitch_voiced_fraction")
    assert rows[0, median] == pytest.approx(220, rel=0.015) and rows[1, median] == pytest.approx(
        110, rel=0.015
    )
    assert rows[0, voiced] > 0.9
    assert rows[2, voiced] == 0 and np.all(rows[2, :5] == 0)  # silence: no pitch, never NaN
    assert rows[3, voiced] < 0.3
    assert np.isfinite(rows).all()


def test_mfcc_equals_librosa(example):
    y = example("libri2", 5)
    S = np.abs(librosa.stft(y))
    mfcc = librosa.feature.mfcc(
        S=librosa.power_to_db(librosa.feature.melspectrogram(S=S**2, sr=SR)), n_mfcc=20
    )
    expected = np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1)])
    np.testing.assert_allclose(MFCCFeatures().fit_transform([y])[0], expected, rtol=1e-4, atol=1e-4)


def test_groups_outside_the_419_share_the_front_end():
    y = tone(330.0, 2.0)
    both = MusicFeatures(include=("pitch", "mfcc", "hpss")).fit_transform([y])[0]
    alone = np.concatenate(
        [f.fit_transform([y])[0] for f in (MusicFeatures(include=("hpss",)), PitchFeatures(), MFCCFeatures())]
    )
    np.testing.assert_array_equal(both, alone)  # output in canonical order: hpss, pitch, mfcc
    with pytest.raises(ValueError, match="'include' parameter of MusicFeatures"):
        MusicFeatures(include=("hpss", "tempo")).fit()
    assert len(MusicFeatures().get_feature_names_out()) == 419  # the default is untouched


def test_energy_gate_excludes_silence():
    rng = np.random.default_rng(0)
    loud = (0.3 * rng.standard_normal(4 * SR)).astype(np.float32)
    recording = np.concatenate([loud, np.zeros(4 * SR, np.float32), loud])
    table = Segmenter().segment([recording])
    silent = silent_segments(table.energy_db)
    np.testing.assert_array_equal(np.flatnonzero(silent), [4, 5, 6])  # windows wholly inside the gap
    assert silent_segments([-10.0, -45.0, -55.0]).tolist() == [False, False, True]  # 40 dB below the loudest
    assert silent_segments([-62.0, -65.0]).tolist() == [True, True]  # below -60 dBFS


# ---------------------------------------------------------------- a podcast with known answers


@pytest.fixture(scope="module")
def voices(example):
    """Male, female and music material; the test podcast uses other material of each class."""
    l1, l2, l3 = example("libri1"), example("libri2"), example("libri3")
    h2, h3 = len(l2) // 2, len(l3) // 2
    music = [
        example(k, 10)
        for k in ("brahms", "vibeace", "choice", "fishin", "sweetwaltz", "pistachio", "trumpet")
    ]
    train = ([l1, l2[:h2], l3[:h3]] + music, ["male", "male", "female"] + ["music"] * len(music))
    import librosa as lb

    nutcracker, _ = lb.load(lb.example("nutcracker"), sr=SR, offset=30, duration=10)
    parts = [("male", l2[h2:]), ("female", l3[h3:]), ("music", nutcracker)]
    return train, parts


def test_podcast_proportions_and_change_points(voices):
    (recordings, labels), parts = voices
    model, evaluation = train_segment_classifier(recordings, labels)
    assert evaluation is None  # one female recording: no honest split is possible, none is faked
    podcast = np.concatenate([audio for _, audio in parts])
    timeline = predict_timeline(model, podcast)
    shares = predict_proportions(model, podcast, timeline=timeline)
    durations = {label: audio.size for label, audio in parts}
    for label, samples in durations.items():
        assert abs(shares[label] - samples / podcast.size) <= 0.10, (label, shares.to_dict())
    assert shares.sum() == pytest.approx(1.0)
    true_changes = np.cumsum([audio.size / SR for _, audio in parts])[:-1]
    found = np.array(change_points(timeline))
    hop = 1.0  # one segment
    assert len(found) == len(true_changes)
    for change in true_changes:
        assert np.min(np.abs(found - change)) <= 2 * hop, (found, true_changes)
    ax = plot_timeline(timeline)
    assert len(ax.collections) >= 3  # one band per class


def test_group_aware_evaluation_keeps_recordings_apart(example):
    recordings = [example(k, 6) for k in ("libri1", "libri2", "brahms", "choice", "vibeace", "trumpet")]
    labels = ["speech", "speech", "music", "music", "music", "music"]
    X, y, groups, _ = segment_dataset(recordings, labels)
    model, evaluation = train_segment_classifier(recordings, labels)
    assert evaluation is not None and "group" in evaluation.protocol
    test = np.zeros(len(y), bool)
    test[evaluation.test_index] = True
    assert not set(groups[test]) & set(groups[~test])
    assert hasattr(model, "predict_proba")


# ---------------------------------------------------------------- the segmenter's shape


def test_transform_is_a_deprecated_alias_of_segment():
    clips = [tone(440.0, 2.5)]
    with pytest.warns(FutureWarning, match=r"Segmenter\.transform is deprecated.*Segmenter\.segment"):
        table = Segmenter().transform(clips)
    np.testing.assert_array_equal(table.X, Segmenter().segment(clips).X)


def test_the_extractor_is_cloned_and_fitted_once_per_call(monkeypatch):
    fits = []
    real_fit = MusicFeatures.fit
    monkeypatch.setattr(
        MusicFeatures, "fit", lambda self, X=None, y=None: fits.append(1) or real_fit(self, X)
    )
    Segmenter().segment([tone(440.0, 3.0), tone(330.0, 2.5), tone(220.0, 4.0)])
    assert len(fits) == 1


def test_the_analysis_rate_comes_from_the_transformers_sr():
    from sklearn.pipeline import FeatureUnion

    from musicfeat import HPSSFeatures, ZeroCrossingFeatures

    union = FeatureUnion([("h", HPSSFeatures(sr=16000)), ("z", ZeroCrossingFeatures(sr=16000))])
    table = Segmenter(union).segment([(tone(440.0, 3.0), SR)])  # resampled to 16 kHz
    assert table.X.shape == (2, 10)
    mixed = FeatureUnion([("h", HPSSFeatures(sr=16000)), ("z", ZeroCrossingFeatures())])
    with pytest.raises(ValueError, match=r"one analysis rate 'sr'; found \[16000, 22050\]"):
        Segmenter(mixed).segment([tone(440.0, 3.0)])


def test_predict_timeline_checks_smooth_before_any_work():
    # No model and a missing file: the argument error comes first, before any extraction.
    with pytest.raises(ValueError, match="'smooth' must be an int of at least 1. Got 0 instead"):
        predict_timeline(None, "no such file.wav", smooth=0)
