"""The extraction layer: one engine choice, the memory= key, and the group protocol's one pass per clip."""

import numpy as np
import pytest
from helpers import tone

from musicfeat import MusicFeatures
from musicfeat.extraction import STREAM_ABOVE_SECONDS, choose_engine, runner

pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")


def _count_analyses(monkeypatch):
    analysed = []
    real = runner.run_accumulators
    monkeypatch.setattr(runner, "run_accumulators", lambda *a: analysed.append(1) or real(*a))
    return analysed


def test_one_engine_choice():
    assert choose_engine("auto", STREAM_ABOVE_SECONDS) == "whole"
    assert choose_engine("auto", STREAM_ABOVE_SECONDS + 1) == "stream"
    assert choose_engine("auto", None) == "stream"  # a length not known cannot be bounded
    assert choose_engine("whole", 10 * STREAM_ABOVE_SECONDS) == "whole"
    assert choose_engine("stream", 1.0) == "stream"
    assert choose_engine("auto", 10 * STREAM_ABOVE_SECONDS, needs_whole_clip=True) == "whole"


def test_a_memory_hit_survives_a_change_of_how_clips_are_run(tmp_path, monkeypatch):
    analysed = _count_analyses(monkeypatch)
    clips = [tone(440.0, 1.0), tone(330.0, 1.0)]
    first = MusicFeatures(memory=str(tmp_path), engine="whole").fit_transform(clips)
    assert len(analysed) == 2
    for how in ({"engine": "auto"}, {"max_duration": 60.0}, {"on_error": "nan"}, {"n_jobs": 1}):
        np.testing.assert_array_equal(MusicFeatures(memory=str(tmp_path), **how).fit_transform(clips), first)
    assert len(analysed) == 2, "engine, max_duration, on_error and n_jobs change how, not what"
    MusicFeatures(memory=str(tmp_path), band_counts=(4,)).fit_transform(clips)
    assert len(analysed) == 4, "a parameter that changes values is another key"


def test_each_group_runs_once_per_clip(monkeypatch):
    from musicfeat.groups import HPSSFeatures

    built = []
    real = HPSSFeatures.accumulator
    monkeypatch.setattr(HPSSFeatures, "accumulator", lambda self, c: built.append(1) or real(self, c))
    MusicFeatures().fit_transform([tone(440.0, 1.0), tone(330.0, 1.0)])
    assert len(built) == 2, "one accumulator per clip: none built only to ask whether the group streams"


def test_the_mel_power_of_p_is_computed_once_per_clip_in_extended(monkeypatch):
    from musicfeat.groups import hp_mfcc, rhythm

    shapes = []
    real = rhythm.mel_power

    def counting(X, sr, n_fft):
        shapes.append(X.shape)
        return real(X, sr, n_fft)

    monkeypatch.setattr(rhythm, "mel_power", counting)
    monkeypatch.setattr(hp_mfcc, "mel_power", counting)
    clip = tone(440.0, 1.0)
    MusicFeatures(feature_set="extended", include=["rhythm", "hp_mfcc"]).fit_transform([clip])
    frames = 1 + clip.size // 512
    assert sorted(shapes) == [(1025, frames), (1025, frames)], "P once (rhythm, MFCC), H once (MFCC)"


def test_fit_keeps_each_training_clip_s_fit_sample_not_its_data(monkeypatch):
    from musicfeat import HPMFCCVLAD

    seen = []
    real = HPMFCCVLAD.fit_clips
    monkeypatch.setattr(
        HPMFCCVLAD,
        "fit_clips",
        lambda self, datas, owner=None: seen.extend(datas) or real(self, datas, owner),
    )
    clips = [tone(440.0, 3.0), tone(330.0, 3.0)]  # 130 frames of sound each
    mf = MusicFeatures(feature_set="extended", include=["hp_mfcc_vlad"], vlad_clusters=2, vlad_frames=10)
    mf.fit(clips)
    assert [s.shape for s in seen] == [(10, 40), (10, 40)], "reduced as each clip finishes"
    seen.clear()
    mf.fit_transform(clips)  # keeps the clips' data for transform, fits on the same samples
    assert [s.shape for s in seen] == [(10, 40), (10, 40)]
