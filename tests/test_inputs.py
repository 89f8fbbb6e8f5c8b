"""What X may hold, what goes wrong with it, and audio at the edges of validity."""

import io
import os
import re
import warnings

import librosa
import numpy as np
import pytest
import soundfile as sf
from helpers import SR, tone

import musicfeat.frontend as frontend
from musicfeat import (
    DegenerateFeatureWarning,
    ExtractionWarning,
    InvalidAudioError,
    MusicFeatures,
    ZeroCrossingFeatures,
    load_audio,
)

#: Short clips by design: the DegenerateFeatureWarning they give is expected here
#: (tests/test_parameters.py tests the warning itself).
pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")


@pytest.fixture(scope="module")
def fast():
    """A cheap transformer for input plumbing: the STFT-free group."""
    return ZeroCrossingFeatures()


def _write(path, y, sr, subtype="FLOAT"):
    sf.write(path, y, sr, subtype=subtype)
    return path


# ---------------------------------------------------------------- kinds of items


def test_every_kind_of_item_gives_the_same_row(tmp_path):
    y = tone(440.0, 1.0)
    path = _write(tmp_path / "a b é.wav", y, SR)
    with open(path, "rb") as f:
        X = [str(path), path, f, y, (y, SR), list(y)]
        rows = MusicFeatures().fit_transform(X)
    for row in rows[1:]:
        np.testing.assert_array_equal(row, rows[0])


def test_stereo_is_mixed_down_and_other_rates_resampled_like_librosa_load(tmp_path):
    rng = np.random.default_rng(3)
    stereo = np.stack(
        [tone(440.0, 2.0, sr=44100), 0.1 * rng.standard_normal(88200).astype(np.float32)], axis=1
    )
    path = _write(tmp_path / "stereo.wav", stereo, 44100)
    y_ref, _ = librosa.load(path, sr=SR, mono=True)
    np.testing.assert_array_equal(load_audio(path, SR), y_ref)
    mf = MusicFeatures()
    np.testing.assert_array_equal(mf.fit_transform([path]), mf.transform([y_ref]))
    # A (waveform, rate) pair is resampled the same way.
    np.testing.assert_array_equal(load_audio((stereo.mean(axis=1), 44100), SR), y_ref)


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "FLOAT"])
@pytest.mark.parametrize("rate", [8000, 44100, 48000])
def test_integer_and_float_files_at_common_rates_give_finite_features(tmp_path, subtype, rate):
    y = 0.4 * np.sin(2 * np.pi * 330 * np.arange(rate * 2) / rate)
    path = _write(tmp_path / f"clip_{rate}_{subtype}.wav", y, rate, subtype)
    row = MusicFeatures().fit_transform([path])[0]
    assert row.shape == (419,) and np.isfinite(row).all()


def test_compressed_formats_decode(tmp_path, example_path):
    row = MusicFeatures().fit_transform([example_path("robin")])[0]  # Ogg Vorbis
    assert np.isfinite(row).all()


# ---------------------------------------------------------------- bad input


def _bad_items(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.mp3").write_text("this is not audio\n")
    (tmp_path / "dir.wav").mkdir()
    good = _write(tmp_path / "good.wav", tone(440.0, 0.5), SR)
    (tmp_path / "truncated.wav").write_bytes(good.read_bytes()[:30])
    (tmp_path / "header_only.wav").write_bytes(_write(tmp_path / "silent0.wav", np.zeros(0), SR).read_bytes())
    return {
        "missing file": (str(tmp_path / "missing.wav"), "no such file"),
        "empty file": (str(tmp_path / "empty.wav"), "could not decode audio"),
        "text named mp3": (str(tmp_path / "notes.mp3"), "could not decode audio"),
        "directory": (str(tmp_path / "dir.wav"), "is a directory"),
        "truncated file": (str(tmp_path / "truncated.wav"), "could not decode audio"),
        "file with no samples": (str(tmp_path / "header_only.wav"), "empty"),
        "zero-length waveform": (np.zeros(0, dtype=np.float32), "empty"),
        "NaN samples": (np.array([0.1, np.nan, 0.2], dtype=np.float32), "NaN or infinite"),
        "inf samples": (np.array([0.1, np.inf], dtype=np.float64), "NaN or infinite"),
        "3-D array": (np.zeros((2, 3, 4), dtype=np.float32), "must be 1-D"),
        "integer samples": (np.zeros(100, dtype=np.int16), "floating-point"),
        "bad rate": ((np.zeros(100), -1), "sample rate"),
        "wrong object": (object(), "expected a file path"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing file",
        "empty file",
        "text named mp3",
        "directory",
        "truncated file",
        "file with no samples",
        "zero-length waveform",
        "NaN samples",
        "inf samples",
        "3-D array",
        "integer samples",
        "bad rate",
        "wrong object",
    ],
)
def test_bad_item_raises_package_error_naming_item_and_position(tmp_path, case, fast):
    item, reason = _bad_items(tmp_path)[case]
    X = [tone(440.0, 0.2), tone(550.0, 0.2), item]
    with pytest.raises(InvalidAudioError, match=reason) as info:
        fast.transform(X)
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith("X[2] (")
    assert info.value.index == 2
    if isinstance(item, str):
        assert item in str(info.value)


def test_on_error_nan_keeps_every_good_row(tmp_path):
    bad = _bad_items(tmp_path)
    X = [tone(440.0, 0.5), bad["missing file"][0], tone(550.0, 0.5), bad["NaN samples"][0]]
    mf = MusicFeatures(on_error="nan")
    with pytest.warns(ExtractionWarning) as record:
        out = mf.fit_transform(X)
    messages = [str(w.message) for w in record if w.category is ExtractionWarning]
    assert len(messages) == 2
    assert messages[0].startswith("X[1] (") and "no such file" in messages[0]
    assert messages[1].startswith("X[3] (") and "NaN or infinite" in messages[1]
    assert np.isnan(out[[1, 3]]).all()
    np.testing.assert_array_equal(out[[0, 2]], MusicFeatures().fit_transform([X[0], X[2]]))


def test_on_error_nan_in_parallel_workers(tmp_path):
    X = [tone(440.0, 0.5), str(tmp_path / "missing.wav"), tone(550.0, 0.5)]
    with pytest.warns(ExtractionWarning, match="no such file"):
        out = MusicFeatures(on_error="nan", n_jobs=2).fit_transform(X)
    assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2]]).all()
    np.testing.assert_array_equal(out[[0, 2]], MusicFeatures().fit_transform([X[0], X[2]]))


@pytest.mark.parametrize(
    ("X", "message"),
    [
        ("song.wav", "got a single path"),
        (np.zeros(100, dtype=np.float32), "1-D numeric array"),
        (42, "got int"),
    ],
)
def test_x_itself_of_the_wrong_kind_is_refused(X, message, fast):
    with pytest.raises(ValueError, match=message):
        fast.transform(X)


# ---------------------------------------------------------------- X as a NumPy array


def _labelled_files(tmp_path):
    paths, labels = [], []
    for i in range(6):
        paths.append(str(_write(tmp_path / f"tone {i}.wav", tone(220.0 * (1 + 0.1 * i), 0.5), SR)))
        labels.append("tone")
        noise = (0.2 * np.random.default_rng(i).standard_normal(SR // 2)).astype(np.float32)
        paths.append(str(_write(tmp_path / f"noise {i}.wav", noise, SR)))
        labels.append("noise")
    return paths, np.array(labels)


@pytest.mark.parametrize("kind", ["str", "bytes", "object", "column"])
def test_a_numpy_array_of_paths_is_a_sequence_of_paths(tmp_path, kind, fast):
    paths, _ = _labelled_files(tmp_path)
    X = {
        "str": np.array(paths),  # dtype <U..
        "bytes": np.array([os.fsencode(p) for p in paths]),  # dtype S..
        "object": np.array(paths, dtype=object),
        "column": np.array(paths)[:, None],  # as DataFrame[["path"]].to_numpy() gives them
    }[kind]
    np.testing.assert_array_equal(fast.transform(X), fast.transform(paths))


def test_cross_val_score_on_a_numpy_array_of_paths(tmp_path):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    paths, labels = _labelled_files(tmp_path)
    model = make_pipeline(
        MusicFeatures(include=("spectral", "zero_crossings")),
        RandomForestClassifier(n_estimators=10, random_state=0),
    )
    scores = cross_val_score(model, np.array(paths), labels, cv=StratifiedKFold(3), error_score="raise")
    assert scores.mean() > 0.9


@pytest.mark.parametrize(
    ("shape", "meant"),
    [
        ((SR, 1), r"one waveform of 22050 samples as a column: pass \[y\[:, 0\]\]"),
        (
            (SR, 2),
            r"one recording of 2 channels in soundfile's \(frames, channels\) layout.*\[y\.mean\(axis=1\)\]",
        ),
        ((SR, 6), r"one recording of 6 channels in soundfile's \(frames, channels\)"),
        ((2, SR), r"one stereo recording in librosa's \(channels, samples\) layout.*or list\(X\) if these"),
        ((1, 1), r"one waveform of 1 samples as a column"),
    ],
)
def test_a_2d_float_array_shaped_like_one_recording_is_refused_saying_what_was_meant(shape, meant, fast):
    X = np.zeros(shape, dtype=np.float32)
    with pytest.raises(
        ValueError, match=rf"got a 2-D float array of shape {re.escape(str(shape))}: this is probably {meant}"
    ):
        fast.transform(X)


def test_a_2d_float_array_of_real_clips_is_one_clip_per_row(fast):
    clips = np.stack([tone(220.0 * k, 0.5) for k in (1, 2, 3)])
    np.testing.assert_array_equal(fast.transform(clips), fast.transform(list(clips)))
    assert fast.transform(clips[:1]).shape == (1, 2)  # (1, n): one clip
    two = np.stack([tone(220.0, 0.5), tone(330.0, 0.5)])
    assert fast.transform(list(two)).shape == (2, 2)  # two clips of a (2, n) array, said explicitly


@pytest.mark.parametrize(
    ("shape", "meant"),
    [
        ((SR, 1), r"pass y\[:, 0\]"),
        ((SR, 2), r"soundfile's \(frames, channels\)"),
        ((2, SR), "librosa.to_mono"),
    ],
)
def test_a_2d_waveform_item_says_what_was_meant(shape, meant, fast):
    with pytest.raises(
        InvalidAudioError, match=rf"^X\[0\] .*must be 1-D .*shape {re.escape(str(shape))}: .*{meant}"
    ):
        fast.transform([np.zeros(shape, dtype=np.float32)])


def test_spectra_from_other_parameters_are_refused_naming_the_item():
    spectra = frontend.Spectra(tone(440.0, 0.5), frontend.FrontEndConfig(n_fft=1024))
    with pytest.raises(
        InvalidAudioError, match=r"^X\[1\] \(object of type Spectra\): .*n_fft=1024.*same front-end"
    ):
        MusicFeatures().transform([tone(440.0, 0.5), spectra])


def test_spectra_items_obey_on_error():
    good = frontend.Spectra(tone(440.0, 0.5))
    mismatched = frontend.Spectra(tone(440.0, 0.5), frontend.FrontEndConfig(hop_length=256))
    with pytest.warns(ExtractionWarning, match=r"X\[1\] .*same front-end parameters; its features are NaN"):
        out = MusicFeatures(on_error="nan").fit_transform([good, mismatched, tone(440.0, 0.5)])
    assert np.isnan(out[1]).all()
    np.testing.assert_array_equal(out[0], out[2])  # a Spectra and its waveform give the same row


def test_a_spectra_whose_analysis_fails_names_the_item(monkeypatch):
    real = ZeroCrossingFeatures.accumulator

    class Failing:  # fails on the clip of 7000 samples
        def __init__(self, inner):
            self.inner = inner

        def add(self, block):
            return 1 / 0 if block.n_samples == 7000 else self.inner.add(block)

        def finish(self):
            return self.inner.finish()

    monkeypatch.setattr(ZeroCrossingFeatures, "accumulator", lambda self, c: Failing(real(self, c)))
    X = [tone(440.0, 0.5), frontend.Spectra(tone(440.0, 7000 / SR))]
    with pytest.raises(InvalidAudioError, match=r"^X\[1\] .*feature extraction failed \(ZeroDivisionError"):
        ZeroCrossingFeatures().transform(X)
    with pytest.warns(ExtractionWarning, match=r"X\[1\] .*ZeroDivisionError"):
        out = ZeroCrossingFeatures(on_error="nan").transform(X)
    assert np.isfinite(out[0]).all() and np.isnan(out[1]).all()


# ---------------------------------------------------------------- degenerate but valid


def _degenerate():
    t = np.arange(3 * SR) / SR
    return {
        "digital silence": np.zeros(3 * SR, dtype=np.float32),
        "one sample": np.array([0.3], dtype=np.float32),
        "shorter than n_fft": tone(440.0, 1000 / SR),
        "shorter than 5 s window": tone(440.0, 1.0),
        "DC offset": np.full(2 * SR, 0.5, dtype=np.float32),
        "pure sine": tone(440.0, 3.0),
        "full-scale clipping": np.sign(np.sin(2 * np.pi * 100 * t)).astype(np.float32),
        "tiny noise": (1e-30 * np.random.default_rng(0).standard_normal(SR)).astype(np.float32),
    }


@pytest.mark.parametrize("case", sorted(_degenerate()))
def test_degenerate_audio_gives_finite_features(case):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning leaks to the user either, but the documented one
        warnings.filterwarnings("ignore", category=DegenerateFeatureWarning)
        row = MusicFeatures().fit_transform([_degenerate()[case]])[0]
    assert row.shape == (419,)
    assert np.isfinite(row).all(), case


def test_silence_has_no_tempo():
    mf = MusicFeatures()
    names = list(mf.get_feature_names_out())
    row = mf.fit_transform([np.zeros(3 * SR, dtype=np.float32)])[0]
    assert row[names.index("tempo_bpm")] == 0.0
    assert np.count_nonzero(row[names.index("rms_percussive_mean")]) == 0


def test_non_finite_features_are_never_returned_silently(monkeypatch):
    monkeypatch.setattr(ZeroCrossingFeatures, "encode", lambda self, data: np.array([np.nan, 1.0]))
    with pytest.raises(InvalidAudioError, match=r"X\[0\].*non-finite.*zero_crossing_rate_mean.*ZeroCrossing"):
        ZeroCrossingFeatures().transform([tone()])
    with pytest.raises(
        InvalidAudioError,
        match=r"non-finite.*\(from group 'zero_crossings' \(ZeroCrossingFeatures\) of MusicFeatures\)",
    ):
        MusicFeatures().transform([tone()])  # the group that gave them is named


def test_load_audio_file_object_and_bytes_io(tmp_path):
    buf = io.BytesIO()
    sf.write(buf, tone(440.0, 0.5), SR, format="WAV", subtype="FLOAT")
    buf.seek(0)
    np.testing.assert_array_equal(load_audio(buf, SR), tone(440.0, 0.5))


# ---------------------------------------------------------------- one analysis per clip


def _count_calls(monkeypatch):
    calls = {"stft": 0, "hpss": 0}
    real_stft, real_hpss = frontend.stft_magnitude, frontend.hpss

    def stft(*args, **kwargs):
        calls["stft"] += 1
        return real_stft(*args, **kwargs)

    def hpss(*args, **kwargs):
        calls["hpss"] += 1
        return real_hpss(*args, **kwargs)

    monkeypatch.setattr(frontend, "stft_magnitude", stft)
    monkeypatch.setattr(frontend, "hpss", hpss)
    return calls


def test_stft_and_hpss_run_once_per_clip(monkeypatch):
    calls = _count_calls(monkeypatch)
    clips = [tone(440.0, 1.0), tone(660.0, 1.5), tone(880.0, 0.7)]
    MusicFeatures().fit_transform(clips)
    assert calls == {"stft": 3, "hpss": 3}
    # The plain FeatureUnion, by contrast, analyses each clip once per group.
    calls.update(stft=0, hpss=0)
    MusicFeatures().make_union().fit_transform(clips)
    assert calls["stft"] == 3 * 7  # every group but the zero-crossing rate


def test_memory_serves_the_second_pass_from_the_cache(monkeypatch, tmp_path):
    calls = _count_calls(monkeypatch)
    clips = [tone(440.0, 1.0), tone(660.0, 1.0)]
    first = MusicFeatures(memory=str(tmp_path)).fit_transform(clips)
    assert calls["stft"] == 2
    second = MusicFeatures(memory=str(tmp_path)).fit_transform(clips)
    assert calls["stft"] == 2  # nothing recomputed
    np.testing.assert_array_equal(first, second)
    # Another parameter value, or other audio, is another key.
    MusicFeatures(memory=str(tmp_path), hop_length=256).fit_transform(clips[:1])
    MusicFeatures(memory=str(tmp_path)).fit_transform([tone(441.0, 1.0)])
    assert calls["stft"] == 4
