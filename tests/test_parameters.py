"""Parameters: refused in ``fit`` when no clip could use them, warned about when they make features degenerate.

A clip is never blamed for a parameter: a value that would fail every clip
(an analysis rate of 100 Hz, frames too short for the mel filters) is
refused by ``fit`` naming the parameter; one that gives finite but
degenerate features is a single DegenerateFeatureWarning per ``transform``.
Equal values are one setting: one cache key, whatever their container.
"""

import warnings

import numpy as np
import pytest
from helpers import SR
from sklearn.base import clone

import musicfeat
import musicfeat.frontend as frontend
from musicfeat import (
    BandEnergy,
    DegenerateFeatureWarning,
    MusicFeatures,
    PitchFeatures,
    RhythmFeatures,
    WindowedStats,
)
from musicfeat.blockwise import mel_filters_cover
from musicfeat.groups import GROUPS
from musicfeat.groups._frames import smallest_mel_n_fft


def _noise(seconds, sr=SR, seed=0):
    return (0.1 * np.random.default_rng(seed).standard_normal(int(seconds * sr))).astype(np.float32)


def _refused(message, **params):
    with pytest.raises(ValueError, match=message):
        MusicFeatures(**params).fit()


# ---------------------------------------------------------------- refused in fit


@pytest.mark.parametrize("sr", [1, 100, 3999, 192_001, 10**7])
def test_analysis_rates_out_of_range_are_refused(sr):
    _refused(
        rf"^The 'sr' parameter of MusicFeatures must be an int in the range \[4000, 192000\]\. Got {sr} ",
        sr=sr,
    )


@pytest.mark.parametrize("n_fft", [2, 3, 64, 416])
def test_frames_too_short_for_a_group_are_refused_naming_n_fft(n_fft):
    _refused(
        r"^The 'n_fft' parameter of MusicFeatures must be an int of at least 417 at sr=22050 "
        r"\(RhythmFeatures: each of the 128 mel filters of the onset envelope needs an STFT bin\)\. "
        rf"Got {n_fft} instead\.$",
        n_fft=n_fft,
        hop_length=max(1, n_fft // 4),
    )


def test_the_largest_need_of_the_included_groups_is_named():
    _refused(r"at least 2185 at sr=192000 \(RhythmFeatures", sr=192_000)
    _refused(
        r"at least 2954 at sr=96000 \(PitchFeatures: pYIN needs two periods of pitch_fmin=65 Hz",
        sr=96_000,
        include=["pitch"],
    )
    _refused(
        r"at least 111 at sr=22050 \(SpectralFeatures: the spectral contrast",
        n_fft=64,
        hop_length=16,
        include=["spectral", "hpss"],
    )
    MusicFeatures(sr=96_000, n_fft=4096, hop_length=1024, include=["pitch", "rhythm"]).fit()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"hop_length": 1},
            r"'hop_length' .* an int in the range \[128, 2048\] at n_fft=2048 \(a hop longer",
        ),
        ({"hop_length": 127}, r"'hop_length' .* \[128, 2048\]"),
        ({"hop_length": 4096}, r"'hop_length' .* \[128, 2048\] .*skips audio"),
        ({"kernel_size": 1026}, r"'kernel_size' .* \[1, 1025\] at n_fft=2048"),
        ({"n_fft": 2**16 + 1}, r"'n_fft' .* an int in the range \[2, 65536\]"),
        ({"n_mfcc": 129}, r"'n_mfcc' .* an int in the range \[1, 128\]"),
        (
            {"band_fmin": 11025.0, "band_fmax": 12000.0},
            r"'band_fmin' .* below half the analysis rate sr=22050 \(11025 Hz\)",
        ),
        ({"band_counts": (4, 1026)}, r"'band_counts' .* at most 1025 at n_fft=2048"),
        (
            {"pitch_fmin": 2000.0, "pitch_fmax": 3000.0, "sr": 4000, "n_fft": 2048, "include": ["pitch"]},
            r"'pitch_fmin' .* below half",
        ),
        ({"max_duration": 0}, r"'max_duration' .* \(0\.0, inf\) or None"),
    ],
)
def test_unusable_values_are_refused_naming_the_parameter(params, message):
    _refused(rf"^The {message}.* Got .* instead\.$", **params)


def test_a_group_alone_names_itself_for_its_frame_needs():
    with pytest.raises(
        ValueError, match=r"^The 'n_fft' parameter of RhythmFeatures must be an int of at least 417"
    ):
        RhythmFeatures(n_fft=256, hop_length=64).fit()
    with pytest.raises(
        ValueError, match=r"^The 'band_fmin' parameter of BandEnergy must be a float below half"
    ):
        BandEnergy(sr=8000, band_fmin=5000.0, band_fmax=6000.0).fit()


@pytest.mark.parametrize("sr", [4000, 8000, 22050, 44100, 192_000])
def test_the_mel_floor_is_the_smallest_frame_that_fills_every_filter(sr):
    floor = smallest_mel_n_fft(sr)
    assert mel_filters_cover(sr, floor) and not mel_filters_cover(sr, floor - 1)
    with pytest.warns(UserWarning, match="Empty filters detected"):
        import librosa

        librosa.filters.mel(sr=sr, n_fft=floor - 1)


@pytest.mark.parametrize("name", sorted(GROUPS))
@pytest.mark.parametrize("sr", [4000, 22050, 192_000])
def test_every_group_works_without_a_warning_at_its_smallest_frame(name, sr):
    """What fit accepts, every clip gets: at each group's floor, finite features and no warning."""
    cls = GROUPS[name]
    need = cls()._smallest_n_fft(sr)
    n_fft = need[0] if need else 64  # 33 bins: room for the 24 bands of BandEnergy
    group = cls(sr=sr, n_fft=n_fft, hop_length=-(-n_fft // 4), kernel_size=min(31, 1 + n_fft // 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=DegenerateFeatureWarning)
        row = group.fit_transform([_noise(1.0, sr)])
    assert np.isfinite(row).all()


def test_defaults_and_documented_rates_pass_fit():
    for sr in (4000, 8000, 16000, 22050, 44100, 48000, 96000):
        assert MusicFeatures(sr=sr).fit().n_features_out_ == 419


# ---------------------------------------------------------------- degenerate features: one warning per call


def _degenerate_warnings(estimator, X, *, fit=False):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (estimator.fit_transform if fit else estimator.transform)(X)
    return [str(w.message) for w in caught if w.category is DegenerateFeatureWarning]


def test_long_clips_with_the_defaults_give_no_warning_at_all():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MusicFeatures().fit_transform([_noise(8.1), _noise(9.0, seed=1)])


def test_short_clips_warn_once_per_call_naming_the_windows_and_the_tempo():
    clips = [_noise(2.0, seed=k) for k in range(5)]
    messages = _degenerate_warnings(MusicFeatures(), clips, fit=True)  # fit_transform: still one
    assert len(messages) == 1
    (message,) = messages
    assert message.startswith("Degenerate features: tempo_bpm of clips shorter than its 8 s")
    assert "window_seconds: every clip of the call is shorter than the 3 s, 5 s windows" in message


def test_one_clip_long_enough_keeps_a_window_meaningful():
    messages = _degenerate_warnings(WindowedStats(), [_noise(2.0), _noise(4.0)])
    assert messages == [
        "Degenerate features: window_seconds: every clip of the call is shorter than the 5 s window, "
        "whose moments are then each whole clip's."
    ]


def test_band_fmax_above_nyquist_warns_once_even_without_short_clips():
    messages = _degenerate_warnings(BandEnergy(sr=8000), [_noise(1.0, 8000, k) for k in range(4)])
    assert messages == [
        "Degenerate features: band_fmax=10000 Hz is above half the analysis rate sr=8000, so the bands "
        "stop at 4000 Hz."
    ]
    assert not _degenerate_warnings(BandEnergy(sr=8000, band_fmax=4000.0), [_noise(1.0, 8000)])


def test_pitch_fmax_above_nyquist_warns():
    (message,) = _degenerate_warnings(PitchFeatures(sr=4000, pitch_fmax=3000.0), [_noise(1.0, 4000)])
    assert "pitch_fmax=3000 Hz is above half the analysis rate sr=4000" in message


def test_tempo_warns_only_for_clips_under_its_window():
    assert _degenerate_warnings(RhythmFeatures(), [_noise(7.9)])
    assert not _degenerate_warnings(RhythmFeatures(), [_noise(8.0)])


def test_parallel_workers_still_give_one_warning():
    messages = _degenerate_warnings(MusicFeatures(n_jobs=2, include=["windowed"]), [_noise(1.0), _noise(1.0)])
    assert len(messages) == 1


def test_failed_clips_do_not_count_and_the_warning_is_a_documented_user_warning():
    clips = ["no such file.wav", _noise(9.0)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MusicFeatures(on_error="nan", include=["windowed", "rhythm"]).transform(clips)
    assert [w.category for w in caught] == [musicfeat.ExtractionWarning]
    assert "DegenerateFeatureWarning" in musicfeat.__all__
    assert issubclass(DegenerateFeatureWarning, UserWarning)
    assert "once per call" in MusicFeatures.__doc__ or "DegenerateFeatureWarning" in MusicFeatures.__doc__


# ---------------------------------------------------------------- equal values are one setting


def _count_stft(monkeypatch):
    calls = []
    real = frontend.stft_magnitude
    monkeypatch.setattr(frontend, "stft_magnitude", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


@pytest.mark.parametrize(
    "params",
    [
        {"band_counts": [4, 11, 24]},
        {"band_counts": np.array([4, 11, 24])},
        {"window_seconds": [0.5, 1.0, 3.0, 5.0]},
        {"sr": np.int64(22050), "hpss_power": 2},
        {"max_duration": 60.0, "on_error": "nan"},  # how to run, not what to compute
    ],
    ids=["list", "array", "floats", "numpy-scalars", "policies"],
)
def test_equal_values_are_one_cache_key(monkeypatch, tmp_path, params):
    calls = _count_stft(monkeypatch)
    clips = [_noise(1.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateFeatureWarning)
        first = MusicFeatures(memory=str(tmp_path)).fit_transform(clips)
        second = MusicFeatures(memory=str(tmp_path), **params).fit_transform(clips)
    assert len(calls) == 1  # served from the default's entry
    np.testing.assert_array_equal(first, second)


def test_parameters_stay_stored_as_given():
    counts = [4, 11, 24]
    mf = MusicFeatures(band_counts=counts)
    assert mf.get_params()["band_counts"] is counts and clone(mf).band_counts == counts
    # The text repr compares reprs (sklearn.utils._pprint._changed_params), so the list,
    # stored as given, shows as set; scikit-learn's HTML repr compares values and does not.
    assert repr(mf) == "MusicFeatures(band_counts=[4, 11, 24])"
    assert repr(MusicFeatures(band_counts=(4, 11, 24))) == "MusicFeatures()"
