"""``memory=`` separates each clip once per front-end setting (issue 19, target 5).

A grid search over a group's parameter changes the groups' data, not the
front end: the harmonic/percussive separation is cached beneath the groups'
data, keyed on the samples and the analysis only. Counted by wrapping the
separation itself; values bit for bit those of no cache.
"""

import joblib
import numpy as np
import pytest
from helpers import SR

import musicfeat.frontend as frontend
from musicfeat import MusicFeatures


@pytest.fixture
def hpss_calls(monkeypatch):
    calls = []
    original = frontend.hpss

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(frontend, "hpss", counted)
    return calls


def _clips():
    rng = np.random.default_rng(7)
    t = np.arange(2 * SR) / SR
    return [
        (0.3 * np.sin(2 * np.pi * f * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
        for f in (220, 330, 440)
    ]


def test_a_grid_over_a_group_parameter_separates_each_clip_once(tmp_path, hpss_calls):
    clips = _clips()
    memory = joblib.Memory(tmp_path, verbose=0)
    rows = {}
    for n_mfcc in (13, 20):
        extractor = MusicFeatures(feature_set="extended", include=["hp_mfcc"], n_mfcc=n_mfcc, memory=memory)
        rows[n_mfcc] = extractor.fit_transform(clips)
    assert len(hpss_calls) == 3  # not 6: one separation per clip, whatever n_mfcc
    for n_mfcc, got in rows.items():
        plain = MusicFeatures(feature_set="extended", include=["hp_mfcc"], n_mfcc=n_mfcc).fit_transform(clips)
        np.testing.assert_array_equal(got, plain)


def test_the_separation_is_keyed_on_the_front_end(tmp_path, hpss_calls):
    clips = _clips()[:1]
    memory = joblib.Memory(tmp_path, verbose=0)
    MusicFeatures(include=["hpss"], memory=memory).fit_transform(clips)
    MusicFeatures(include=["bands"], memory=memory, engine="whole").fit_transform(clips)
    assert len(hpss_calls) == 1
    got = MusicFeatures(include=["hpss"], kernel_size=17, memory=memory).fit_transform(clips)
    assert len(hpss_calls) == 2  # another analysis: separated again
    np.testing.assert_array_equal(got, MusicFeatures(include=["hpss"], kernel_size=17).fit_transform(clips))


def test_a_group_that_reads_no_separation_caches_none(tmp_path, hpss_calls):
    MusicFeatures(include=["zero_crossings"], memory=joblib.Memory(tmp_path, verbose=0)).fit_transform(
        _clips()
    )
    assert hpss_calls == []
