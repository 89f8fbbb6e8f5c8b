"""Every one of the 419 values against the naive librosa/scipy path.

Tolerance, feature by feature: ``|got - ref| <= RTOL * |ref| + atol`` with
RTOL = 1e-4 and atol = 1e-5 for the dimensionless shape statistics (skew,
kurtosis, whose values can sit near 0), 1e-5 dB for spectral contrast (a
level difference, near 0 for flat spectra) and 1e-9 otherwise. Measured
agreement on the clips below is about 1e-5 relative at worst: both paths
hold the spectrogram in float32 and sum in different orders.
"""

import librosa
import numpy as np
import pytest
from helpers import SR, tone
from naive import naive_features

from musicfeat import HPSSFeatures, MusicFeatures, Spectra
from musicfeat.frontend import hpss

#: Short recordings and signals by design (each compared with the naive path): the
#: DegenerateFeatureWarning they give is expected here (tests/test_parameters.py tests it).
pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")

RTOL = 1e-4


def _atol(name):
    if name.endswith(("_skew", "_kurtosis")) or name.startswith("spectral_contrast"):
        return 1e-5
    return 1e-9


def assert_matches_naive(row, ref, names):
    assert list(ref) == list(names), "feature names or order differ from the spec"
    expected = np.array([ref[n] for n in names], dtype=np.float64)
    atol = np.array([_atol(n) for n in names])
    bad = np.abs(row - expected) > RTOL * np.abs(expected) + atol
    details = [f"{names[i]}: musicfeat {row[i]!r}, naive {expected[i]!r}" for i in np.flatnonzero(bad)]
    assert not bad.any(), f"{bad.sum()} features differ:\n" + "\n".join(details[:20])


REAL_CLIPS = [
    ("brahms", 30),  # orchestra
    ("choice", 20),  # drum and bass
    ("libri1", None),  # male speech
    ("trumpet", None),  # solo instrument
    ("robin", None),  # bird call, 1.5 s: shorter than the 3 s and 5 s windows
]


@pytest.mark.parametrize(("key", "duration"), REAL_CLIPS)
def test_real_recordings_match_naive(key, duration, example):
    y = example(key, duration)
    mf = MusicFeatures().fit()
    row = mf.transform([y])[0]
    assert_matches_naive(row, naive_features(y), mf.get_feature_names_out())


def _synthetic():
    rng = np.random.default_rng(7)
    t = np.arange(4 * SR) / SR
    chirp = (0.3 * np.sin(2 * np.pi * (100 * t + 400 * t**2))).astype(np.float32)
    clicks = np.zeros(4 * SR, dtype=np.float32)
    clicks[:: SR // 4] = 1.0
    noise = (0.1 * rng.standard_normal(3 * SR)).astype(np.float32)
    chord = sum(tone(f, 3.0, amplitude=0.2) for f in (261.63, 329.63, 392.0))
    return {
        "sine": tone(440.0, 3.0),
        "chirp": chirp,
        "clicks": clicks,
        "noise": noise,
        "chord": chord.astype(np.float32),
        "noise_plus_dc": noise + np.float32(0.5),
    }


@pytest.mark.parametrize("name", sorted(_synthetic()))
def test_synthetic_signals_match_naive(name):
    y = _synthetic()[name]
    mf = MusicFeatures().fit()
    assert_matches_naive(mf.transform([y])[0], naive_features(y), mf.get_feature_names_out())


def test_non_default_parameters_match_naive(example):
    y = example("vibeace", 10)
    params = {"n_fft": 1024, "hop_length": 256, "kernel_size": 17}
    mf = MusicFeatures(band_counts=(3, 7), window_seconds=(0.25, 2), **params).fit()
    ref = naive_features(y, band_counts=(3, 7), window_seconds=(0.25, 2), **params)
    assert_matches_naive(mf.transform([y])[0], ref, mf.get_feature_names_out())


@pytest.mark.parametrize("sr", [8000, 44100])
def test_other_analysis_rates_match_naive(sr, example):
    y = example("choice", 8, sr=sr)
    mf = MusicFeatures(sr=sr).fit()
    assert_matches_naive(mf.transform([y])[0], naive_features(y, sr=sr), mf.get_feature_names_out())


def test_hpss_equals_librosa(example):
    S = np.abs(librosa.stft(example("brahms", 15)))
    H, P = hpss(S, kernel_size=31)
    H_ref, P_ref = librosa.decompose.hpss(S, kernel_size=31)
    np.testing.assert_allclose(H, H_ref, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(P, P_ref, rtol=1e-6, atol=1e-9)
    masks = librosa.decompose.hpss(S, kernel_size=31, mask=True)
    np.testing.assert_allclose(H / np.where(S > 0, S, 1), np.where(S > 0, masks[0], 0), atol=1e-6)


@pytest.mark.parametrize("margin", [1.0, 3.0])
def test_hpss_margin_and_power_equal_librosa(margin, example):
    S = np.abs(librosa.stft(example("choice", 5)))
    H, P = hpss(S, kernel_size=13, power=1.0, margin=margin)
    H_ref, P_ref = librosa.decompose.hpss(S, kernel_size=13, power=1.0, margin=margin)
    np.testing.assert_allclose(H, H_ref, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(P, P_ref, rtol=1e-6, atol=1e-9)


def test_analytic_steady_tone_is_harmonic():
    row = HPSSFeatures().fit_transform([tone(1000.0, 3.0)])[0]
    # A steady tone has (almost) no percussive energy. RMS from a Hann-windowed
    # STFT is that of the windowed frame: a / sqrt(2) * sqrt(3 / 8) for a sine.
    assert row[4] == pytest.approx(0.5 / np.sqrt(2) * np.sqrt(3 / 8), rel=0.01)
    assert row[0] < 0.01 * row[4]


def test_analytic_centroid_and_band_of_a_tone():
    mf = MusicFeatures().fit()
    names = list(mf.get_feature_names_out())
    row = mf.transform([tone(1000.0, 3.0)])[0]
    assert row[names.index("spectral_centroid_mean")] == pytest.approx(1000.0, rel=0.03)
    # 1 kHz lies in the third of four bands (20 Hz to 10 kHz: edges 20, 94.6, 447, 2115, 10000).
    energies = [row[names.index(f"band4_{i}_harmonic_mean")] for i in range(4)]
    assert int(np.argmax(energies)) == 2
    assert row[names.index("chroma_B_mean")] > 0.9  # 1 kHz is a slightly sharp B5


def test_blockwise_tuning_and_chroma_equal_librosa(example, monkeypatch):
    import musicfeat.blockwise as blockwise
    from musicfeat.groups.note_classes import chroma, estimate_tuning

    y = example("brahms", 20)
    S = np.abs(librosa.stft(y))
    H, _ = hpss(S)
    monkeypatch.setattr(blockwise, "FRAME_BLOCK", 100)  # many blocks, the last one short
    tuning = estimate_tuning(H, SR, 2048)
    assert tuning == librosa.estimate_tuning(S=H**2, sr=SR, n_fft=2048)
    got = chroma(Spectra(y))
    np.testing.assert_allclose(got, librosa.feature.chroma_stft(S=H**2, sr=SR), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("key", ["choice", "brahms", "libri2"])
def test_blockwise_tempo_equals_librosa(key, example, monkeypatch):
    import musicfeat.blockwise as blockwise
    import musicfeat.groups.rhythm as rhythm

    envelope = librosa.onset.onset_strength(y=example(key, 30), sr=SR)
    monkeypatch.setattr(blockwise, "FRAME_BLOCK", 300)  # many blocks, the last one short
    assert (
        rhythm.tempo_from_envelope(envelope, SR, 512)
        == librosa.feature.tempo(onset_envelope=envelope, sr=SR)[0]
    )


def test_shared_intermediates_are_computed_once_per_clip(monkeypatch):
    """Chroma, onset envelope and mel spectrogram live in their group's module, kept once per clip."""
    import musicfeat.groups.mfcc as mfcc
    import musicfeat.groups.note_classes as note_classes
    import musicfeat.groups.rhythm as rhythm

    calls = []
    for module, name in ((note_classes, "_chroma"), (rhythm, "_onset_envelope"), (mfcc, "_mel_spectrogram")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda s, real=real, name=name: calls.append(name) or real(s))
    spectra = Spectra(tone(440.0, 1.0))
    for _ in range(2):
        note_classes.chroma(spectra), rhythm.onset_envelope(spectra), mfcc.mel_spectrogram(spectra)
    assert sorted(calls) == ["_chroma", "_mel_spectrogram", "_onset_envelope"]


def test_moved_spectra_attributes_warn_and_still_work():
    from musicfeat.groups.note_classes import chroma
    from musicfeat.groups.rhythm import onset_envelope

    spectra = Spectra(tone(440.0, 1.0))
    with pytest.warns(FutureWarning, match=r"Spectra\.chroma is deprecated.*note_classes\.chroma"):
        np.testing.assert_array_equal(spectra.chroma, chroma(spectra))
    with pytest.warns(FutureWarning, match=r"Spectra\.onset_envelope is deprecated"):
        np.testing.assert_array_equal(spectra.onset_envelope, onset_envelope(spectra))
