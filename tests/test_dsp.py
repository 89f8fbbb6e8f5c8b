"""musicfeat.dsp equals the librosa routines it transcribes, bit for bit.

The default features avoid librosa modules that compile numba code when
imported (a first call after installing paid ~15 s for them); the
transcriptions must not change a single value.
"""

import json
import subprocess
import sys

import librosa
import numpy as np
import pytest

from musicfeat import dsp

LIBROSA_JIT_MODULES = ("librosa.util.utils", "librosa.core.audio", "librosa.core.pitch")


@pytest.fixture(scope="module")
def clips(example):
    rng = np.random.default_rng(7)
    return {
        "brahms": example("brahms", duration=8),
        "libri1": example("libri1", duration=5),
        "noise": rng.standard_normal(3 * 22050).astype(np.float32),
        "short": rng.standard_normal(700).astype(np.float32),  # shorter than n_fft
        "one": np.ones(1, dtype=np.float32),
    }


@pytest.mark.parametrize("n_fft,hop", [(2048, 512), (1024, 256), (2048, 300), (1023, 512), (512, 512)])
def test_stft_magnitude_equals_librosa(clips, n_fft, hop):
    import warnings

    for name, y in clips.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # librosa: n_fft too large for short clips
            expected = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, center=True, pad_mode="constant"))
        got = dsp.stft_magnitude(y, n_fft, hop)
        assert got.dtype == expected.dtype and got.flags.f_contiguous == expected.flags.f_contiguous, name
        np.testing.assert_array_equal(got, expected, err_msg=name)
    y64 = clips["noise"].astype(np.float64)
    np.testing.assert_array_equal(dsp.stft_magnitude(y64, 2048, 512), np.abs(librosa.stft(y64)))


def test_spectral_routines_equal_librosa(clips):
    S = dsp.stft_magnitude(clips["brahms"], 2048, 512)
    power = np.square(S)
    mel = librosa.filters.mel(sr=22050, n_fft=2048) @ power
    np.testing.assert_array_equal(dsp.power_to_db(mel), librosa.power_to_db(mel))
    np.testing.assert_array_equal(dsp.power_to_db(np.zeros(3)), librosa.power_to_db(np.zeros(3)))
    S_db = librosa.power_to_db(mel)
    for n_fft, hop in [(2048, 512), (2048, 300), (1024, 1024)]:
        np.testing.assert_array_equal(
            dsp.onset_strength(S_db, n_fft=n_fft, hop_length=hop),
            librosa.onset.onset_strength(S=S_db, sr=22050, n_fft=n_fft, hop_length=hop),
        )
    for tuning in (0.0, -0.13, 0.31):
        for block in (power, power[:, :7], np.zeros((1025, 3), np.float32)):
            chroma = dsp.chroma_stft(block, 22050, 2048, tuning)
            expected = librosa.feature.chroma_stft(S=block, sr=22050, n_fft=2048, tuning=tuning)
            np.testing.assert_array_equal(chroma, expected)
            np.testing.assert_array_equal(dsp.tonnetz(chroma), librosa.feature.tonnetz(chroma=chroma))
    np.testing.assert_array_equal(
        dsp.chroma_stft(power, 16000, 2048, 0.0),
        librosa.feature.chroma_stft(S=power, sr=16000, n_fft=2048, tuning=0.0),
    )


def test_normalize_frame_and_autocorrelation_equal_librosa(rng):
    X = rng.random((300, 17))
    X[:, 3] = 0.0
    for norm in (np.inf, 1, 2):
        for axis in (0, -2, 1):
            np.testing.assert_array_equal(
                dsp.normalize(X, norm=norm, axis=axis), librosa.util.normalize(X, norm=norm, axis=axis)
            )
    x = rng.random(1000)
    np.testing.assert_array_equal(dsp.frame(x, 384, 1), librosa.util.frame(x, frame_length=384, hop_length=1))
    np.testing.assert_array_equal(dsp.frame(x, 50, 7), librosa.util.frame(x, frame_length=50, hop_length=7))
    for axis in (-2, 0, -1):
        np.testing.assert_array_equal(dsp.autocorrelate(X, axis=axis), librosa.autocorrelate(X, axis=axis))
    with pytest.raises(ValueError, match="finite"):
        dsp.normalize(np.array([1.0, np.nan]))


@pytest.mark.parametrize("n_frames,block", [(1500, 2048), (1500, 400), (37, 10), (1, 1)])
def test_tempogram_lag_sums_equal_librosas_tempogram_summed_by_block(rng, n_frames, block):
    envelope = rng.random(n_frames) ** 3
    envelope[::7] = 0.0
    win = 384
    tempogram = librosa.feature.tempogram(onset_envelope=envelope, win_length=win)
    blocks = [slice(a, a + block) for a in range(0, n_frames, block)]
    expected = sum(tempogram[:, b].sum(axis=-1) for b in blocks)
    window = librosa.filters.get_window("hann", win, fftbins=True)
    padded = np.pad(envelope, win // 2, mode="linear_ramp", end_values=[0, 0])
    np.testing.assert_array_equal(dsp.tempogram_lag_sums(padded, window, n_frames, blocks), expected)
    with pytest.raises(ValueError, match="finite"):
        dsp.tempogram_lag_sums(np.full(padded.size, np.nan), window, n_frames, blocks)


def test_pitch_tuning_and_resample_equal_librosa(clips, rng):
    for freqs in (440 * 2 ** rng.normal(0, 1, 500), np.array([440.0, 0.0, 445.0]), rng.random(50) * 4000):
        assert dsp.pitch_tuning(freqs) == librosa.pitch_tuning(freqs, resolution=0.01, bins_per_octave=12)
    assert dsp.pitch_tuning(np.zeros(4)) == 0.0
    for y in (clips["brahms"], clips["short"], clips["one"]):
        for orig, target in [(44100, 22050), (8000, 22050), (22050, 22050), (48000, 11025)]:
            got = dsp.resample(y, orig, target)
            expected = librosa.resample(y, orig_sr=orig, target_sr=target, res_type="soxr_hq")
            assert got.dtype == expected.dtype
            np.testing.assert_array_equal(got, expected)


def test_the_default_features_import_none_of_librosas_jit_compiled_modules(tmp_path):
    """What keeps the first call short: no librosa ufunc compiles, so a cold cache costs our kernels only."""
    import soundfile

    path = tmp_path / "at_44k.wav"
    rng = np.random.default_rng(0)
    soundfile.write(path, (0.1 * rng.standard_normal(44100 * 2)).astype(np.float32), 44100)
    script = (
        "import sys, json; from musicfeat import MusicFeatures; "
        f"MusicFeatures().fit_transform([{str(path)!r}]); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('librosa'))))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    imported = json.loads(done.stdout.splitlines()[-1])
    assert not set(LIBROSA_JIT_MODULES) & set(imported), imported
