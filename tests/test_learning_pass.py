"""The learning pass of a feature set that learns, with the extraction's protections (issue 18 item 7).

A file whose worker is killed (the OOM killer) or that hangs in the learning
pass fails alone: it is left out of the fit, the run goes on, and the
codebook is the one learnt from the other files.
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf
from helpers import SR, tone
from learn_crashy import FitFaultFeatures

from musicfeat import MusicFeatures
from musicfeat.batch import BatchSummary
from musicfeat.batch.learning import learn_from_folder
from musicfeat.batch.tracks import scan_folder
from musicfeat.feature_table import table_paths

pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")

#: vlad_frames under a 2-s clip's frames: the pass must pool what fit pools (each clip's fit_sample).
PARAMS = {"feature_set": "extended", "include": ["hp_mfcc_vlad"], "vlad_clusters": 4, "vlad_frames": 20}


@pytest.fixture(scope="module")
def folder(tmp_path_factory, example):
    root = tmp_path_factory.mktemp("learn") / "music"
    root.mkdir()
    for i, key in enumerate(["choice", "brahms", "vibeace", "trumpet"]):
        sf.write(root / f"{i} {key}.wav", example(key, 2), SR)
    return root


@pytest.mark.parametrize(
    ("fault", "timeout", "error_type", "what"),
    [
        (
            "kill",
            None,
            "WorkerCrashed",
            "the worker process died in the learning pass while decoding or "
            "analysing this file (killed by SIGKILL: a crash in native code, or the system ending it, "
            "as the OOM killer does)",
        ),
        (
            "hang",
            3,
            "Timeout",
            "no result after 3 s in the learning pass (the time limit per file, --timeout)",
        ),
    ],
)
def test_a_file_that_dies_or_hangs_in_the_learning_pass_fails_alone(
    folder, tmp_path, fault, timeout, error_type, what
):
    tracks = scan_folder(folder).tracks
    paths = table_paths(str(tmp_path / "f.csv"))
    extractor = FitFaultFeatures(fault=fault, fault_on="2 vibeace.wav", **PARAMS)
    failures = learn_from_folder(
        extractor, paths, tracks, resuming=False, prefitted=False, jobs=2, timeout=timeout
    )
    assert failures == [("2 vibeace.wav", error_type, what)]
    # the run's summary says what happened, as the extraction's failures do: not "could not be read"
    line = str(BatchSummary(left_out_of_fit=failures)).splitlines()[-1]
    assert line == f"1 track left out of the codebook's fit, '2 vibeace.wav': {error_type}: {what}"
    # the codebook is the one learnt from the three other files, in their order
    others = [t.path for t in tracks if t.relpath != "2 vibeace.wav"]
    expected = MusicFeatures(**PARAMS).fit(others)
    np.testing.assert_array_equal(extractor.groups_[0].codebook_, expected.groups_[0].codebook_)
    with np.load(paths.fitted) as data:
        np.testing.assert_array_equal(data["hp_mfcc_vlad.codebook_"], expected.groups_[0].codebook_)


def test_the_summary_counts_the_tracks_left_out_of_the_fit_by_what_happened():
    died = ("WorkerCrashed", "the worker process died in the learning pass (killed by SIGSEGV: ...)")
    left_out = [("a.wav", *died), ("b.wav", "Timeout", "no result after 3 s"), ("c.wav", *died)]
    line = str(BatchSummary(left_out_of_fit=left_out)).splitlines()[-1]
    assert line == (
        "3 tracks left out of the codebook's fit (2 WorkerCrashed, 1 Timeout), such as 'a.wav': "
        f"{died[0]}: {died[1]}"
    )


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


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_the_learning_pass_s_workers_exit_when_their_parent_is_killed(tmp_path):
    psutil = pytest.importorskip("psutil")
    root = tmp_path / "music"
    (root / "A").mkdir(parents=True)
    sf.write(root / "A" / "0.wav", tone(300, 6.0), SR)
    for k in range(1, 40):
        os.link(root / "A" / "0.wav", root / "A" / f"{k}.wav")
    out = tmp_path / "f.csv"
    command = [sys.executable, "-m", "musicfeat", "extract", str(root), "-o", str(out), "--jobs", "2", "-q"]
    parent = subprocess.Popen(
        [*command, "--feature-set", "extended"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    children, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline and len(children) < 3:  # a fork server and two workers
        time.sleep(0.05)
        children = psutil.Process(parent.pid).children(recursive=True)
    assert len(children) >= 3 and not os.path.exists(f"{out}.fitted.npz"), "killed in the learning pass"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    _, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, f"left running: {[p.cmdline()[:3] for p in alive]}"


def test_a_damaged_state_beside_the_table_refuses_the_resume_in_one_message(folder, tmp_path):
    from musicfeat import extract_folder
    from musicfeat.batch import ResumeMismatchError

    out = tmp_path / "f.csv"
    extract_folder(folder, out, extractor=MusicFeatures(**PARAMS), jobs=1, progress=False)
    fitted = tmp_path / "f.csv.fitted.npz"
    fitted.write_bytes(fitted.read_bytes()[:300])
    with pytest.raises(ResumeMismatchError, match=r"cannot resume: .*f.csv.fitted.npz: not a fitted state"):
        extract_folder(folder, out, extractor=MusicFeatures(**PARAMS), jobs=1, resume=True, progress=False)


def test_a_damaged_state_beside_the_table_refuses_a_prefitted_resume_too(folder, tmp_path):
    from musicfeat import extract_folder
    from musicfeat.batch import ResumeMismatchError

    out = tmp_path / "f.csv"
    tracks = [str(folder / name) for name in sorted(os.listdir(folder))]
    prefitted = MusicFeatures(**PARAMS).fit(tracks)
    extract_folder(folder, out, extractor=prefitted, jobs=1, progress=False)
    extract_folder(folder, out, extractor=prefitted, jobs=1, resume=True, progress=False)  # the same state
    fitted = tmp_path / "f.csv.fitted.npz"
    fitted.write_bytes(b"PK\x03\x04" + bytes(40))
    with pytest.raises(ResumeMismatchError, match=r"cannot resume: .*f.csv.fitted.npz: not a fitted state"):
        extract_folder(folder, out, extractor=prefitted, jobs=1, resume=True, progress=False)
    other = MusicFeatures(**PARAMS).fit(tracks[:3])
    other.save_fitted(fitted)
    with pytest.raises(ResumeMismatchError, match="not with this extractor's"):
        extract_folder(folder, out, extractor=prefitted, jobs=1, resume=True, progress=False)
