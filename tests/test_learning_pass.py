"""The learning pass of a feature set that learns, with the extraction's protections (issue 18 item 7).

A file whose worker is killed (the OOM killer) or that hangs in the learning
pass fails alone: it is left out of the fit, the run goes on, and the
codebook is the one learnt from the other files.
"""

import numpy as np
import pytest
import soundfile as sf
from helpers import SR
from learn_crashy import FitFaultFeatures

from musicfeat import MusicFeatures
from musicfeat.batch.learning import learn_from_folder
from musicfeat.batch.tracks import scan_folder
from musicfeat.feature_table import table_paths

pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")

PARAMS = {"feature_set": "extended", "include": ["hp_mfcc_vlad"], "vlad_clusters": 4}


@pytest.fixture(scope="module")
def folder(tmp_path_factory, example):
    root = tmp_path_factory.mktemp("learn") / "music"
    root.mkdir()
    for i, key in enumerate(["choice", "brahms", "vibeace", "trumpet"]):
        sf.write(root / f"{i} {key}.wav", example(key, 2), SR)
    return root


@pytest.mark.parametrize(
    ("fault", "timeout", "error_type"), [("kill", None, "WorkerCrashed"), ("hang", 3, "Timeout")]
)
def test_a_file_that_dies_or_hangs_in_the_learning_pass_fails_alone(
    folder, tmp_path, fault, timeout, error_type
):
    tracks = scan_folder(folder).tracks
    paths = table_paths(str(tmp_path / "f.csv"))
    extractor = FitFaultFeatures(fault=fault, fault_on="2 vibeace.wav", **PARAMS)
    failures = learn_from_folder(
        extractor, paths, tracks, resuming=False, prefitted=False, jobs=2, timeout=timeout
    )
    assert [f[:2] for f in failures] == [("2 vibeace.wav", error_type)]
    # the codebook is the one learnt from the three other files, in their order
    others = [t.path for t in tracks if t.relpath != "2 vibeace.wav"]
    expected = MusicFeatures(**PARAMS).fit(others)
    np.testing.assert_array_equal(extractor.groups_[0].codebook_, expected.groups_[0].codebook_)
    with np.load(paths.fitted) as data:
        np.testing.assert_array_equal(data["hp_mfcc_vlad.codebook_"], expected.groups_[0].codebook_)


def test_the_learning_pass_in_workers_learns_what_fit_learns(folder, tmp_path):
    tracks = scan_folder(folder).tracks
    for jobs in (1, 2):
        extractor = MusicFeatures(**PARAMS)
        paths = table_paths(str(tmp_path / f"f{jobs}.csv"))
        assert learn_from_folder(extractor, paths, tracks, resuming=False, prefitted=False, jobs=jobs) == []
        expected = MusicFeatures(**PARAMS).fit([t.path for t in tracks])
        clips = [t.path for t in tracks[:2]]
        np.testing.assert_array_equal(extractor.transform(clips), expected.transform(clips))


def test_resuming_a_table_of_another_feature_set_says_so(folder, tmp_path):
    from musicfeat import extract_folder
    from musicfeat.batch import ResumeMismatchError

    out = tmp_path / "talk.csv"
    extract_folder(folder, out, jobs=1, progress=False)
    with pytest.raises(
        ResumeMismatchError,
        match=r"feature set 'talk419' \(version '419.1'\), this extractor makes feature set 'extended'",
    ):
        extract_folder(folder, out, extractor=MusicFeatures(**PARAMS), jobs=1, resume=True, progress=False)
