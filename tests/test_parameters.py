"""Parameters: equal values are one setting, one cache key whatever their container."""

import numpy as np
import pytest
from helpers import SR
from sklearn.base import clone

import musicfeat.frontend as frontend
from musicfeat import MusicFeatures


def _noise(seconds, sr=SR, seed=0):
    return (0.1 * np.random.default_rng(seed).standard_normal(int(seconds * sr))).astype(np.float32)


def _refused(message, **params):
    with pytest.raises(ValueError, match=message):
        MusicFeatures(**params).fit()


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
