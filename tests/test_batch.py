"""Batch extraction: folders, the CLI, failures, interruption and resume, workers, Dask."""

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf
from helpers import SR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from musicfeat import InvalidAudioError, MusicFeatures, extract_folder, load_audio, load_features
from musicfeat.batch import ResumeMismatchError, find_tracks, scan_folder

#: The corpus holds files of 2 to 4 s by design: the DegenerateFeatureWarning they give is expected here
#: (tests/test_parameters.py tests the warning itself).
pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")

BAD = {"empty.wav", "truncated.ogg", "notes.mp3", "folder.wav"}


@contextlib.contextmanager
def dask_client(distributed, n_workers, processes=True):
    """A client of a LocalCluster of single-threaded workers, no dashboard, closed on leaving."""
    # Without a dashboard the scheduler still serves /health on 8787: when that port is taken (a
    # developer's own cluster, a second test run) distributed falls back to another port but leaks a
    # socket, which this suite's warnings-as-errors fails on. A free port from the start avoids both.
    with distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},
    ) as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, example):
    """Two labels with names with spaces and non-ASCII, a file at the root, and bad files."""
    root = tmp_path_factory.mktemp("corpus")
    (root / "Brahms Orchestra").mkdir()
    (root / "Spëech — readers").mkdir()
    (root / "Spëech — readers" / "nested").mkdir()
    brahms = example("brahms", 12)
    sf.write(root / "Brahms Orchestra" / "part one.flac", brahms[: 4 * SR], SR)
    sf.write(
        root / "Brahms Orchestra" / "part two.ogg",
        brahms[4 * SR : 8 * SR],
        SR,
        format="OGG",
        subtype="VORBIS",
    )
    stereo = np.stack([brahms[8 * SR :], brahms[8 * SR :] * 0.5], axis=1)
    sf.write(root / "Brahms Orchestra" / "stereo 44k.wav", stereo, SR)
    sf.write(root / "Spëech — readers" / "lecteur é.wav", example("libri3", 3), SR, subtype="PCM_16")
    sf.write(root / "Spëech — readers" / "nested" / "reader.wav", example("libri1", 3), SR, subtype="PCM_24")
    sf.write(root / "at the root.wav", example("trumpet", 2), SR)
    (root / "README.txt").write_text("not audio, not listed")
    (root / "empty.wav").write_bytes(b"")
    (root / "truncated.ogg").write_bytes((root / "Brahms Orchestra" / "part two.ogg").read_bytes()[:200])
    (root / "notes.mp3").write_text("this is text\n")
    (root / "folder.wav").mkdir()
    return root


GOOD = {
    "Brahms Orchestra/part one.flac": "Brahms Orchestra",
    "Brahms Orchestra/part two.ogg": "Brahms Orchestra",
    "Brahms Orchestra/stereo 44k.wav": "Brahms Orchestra",
    "Spëech — readers/lecteur é.wav": "Spëech — readers",
    "Spëech — readers/nested/reader.wav": "Spëech — readers",
    "at the root.wav": "",
}


def run_cli(*args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "musicfeat", *map(str, args)], capture_output=True, text=True, **kwargs
    )


def assert_table_is_right(corpus, table_path):
    X, y, names, table = load_features(table_path)
    assert sorted(table["path"]) == sorted(GOOD), "every good track exactly once"
    assert dict(zip(table["path"], y, strict=True)) == GOOD
    assert set(table["feature_set_version"]) == {"419.1"}
    expected = MusicFeatures().fit_transform([str(corpus / p) for p in table["path"]])
    np.testing.assert_array_equal(X, expected)
    assert names == list(MusicFeatures().get_feature_names_out())
    return table


def error_paths(errors_csv):
    with open(errors_csv, newline="", encoding="utf-8") as f:
        return {row["path"] for row in csv.DictReader(f)}


def test_find_tracks_labels_and_order(corpus):
    tracks = find_tracks(corpus)
    assert {t.relpath for t in tracks} == set(GOOD) | BAD - {"folder.wav"}
    assert {t.relpath: t.label for t in tracks if t.relpath in GOOD} == GOOD
    assert [t.relpath for t in tracks] == [t.relpath for t in find_tracks(corpus)]
    assert scan_folder(corpus).skipped == [("folder.wav", "IsADirectoryError", "a folder, not an audio file")]


def test_cli_extracts_a_folder_and_records_failures(corpus, tmp_path):
    out = tmp_path / "features.csv"
    result = run_cli("extract", corpus, "-o", out, "--jobs", "2")
    assert result.returncode == 1, result.stderr  # some files failed
    assert "6 tracks extracted, 4 failed" in result.stderr
    assert_table_is_right(corpus, out)
    assert error_paths(tmp_path / "features.csv.errors.csv") == BAD


def test_exit_status_zero_when_all_succeed_and_two_for_usage(corpus, tmp_path):
    good_root = corpus / "Brahms Orchestra"
    assert run_cli("extract", good_root, "-o", tmp_path / "a.csv", "--jobs", "1", "--quiet").returncode == 0
    assert run_cli("extract", tmp_path / "nowhere", "-o", tmp_path / "b.csv").returncode == 2
    assert run_cli("extract", good_root).returncode == 2  # no -o
    assert run_cli("extract", good_root, "-o", tmp_path / "c.csv", "--hop-length", "0").returncode == 2


def test_help_documents_the_extractor_parameters():
    text = run_cli("extract", "--help").stdout
    for option in (
        "--sr",
        "--n-fft",
        "--hop-length",
        "--kernel-size",
        "--band-counts",
        "--window-seconds",
        "--jobs",
        "--resume",
        "--strict",
        "--quiet",
    ):
        assert option in text


def test_strict_stops_at_the_first_failure(corpus, tmp_path):
    summary = extract_folder(corpus, tmp_path / "s.csv", jobs=1, strict=True, progress=False)
    assert summary.failed == 1 and summary.interrupted
    assert summary.done + summary.failed < len(GOOD) + len(BAD)  # the other bad files were not tried


def _many_tracks(root, example, n):
    clip = example("choice", 6)
    os.makedirs(root / "Drums", exist_ok=True)
    first = root / "Drums" / "take 0.wav"
    sf.write(first, clip, SR, subtype="FLOAT")
    for i in range(1, n):
        os.link(first, root / "Drums" / f"take {i}.wav")  # same audio, separate tracks


def _extract_until_rows(root, out, rows):
    """Start ``musicfeat extract`` on one worker; return once ``rows`` rows are written (or it ended)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "musicfeat", "extract", str(root), "-o", str(out), "--jobs", "1", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= rows + 1:  # header + rows
            break
        time.sleep(0.01)
    return proc


def test_sigkill_mid_run_keeps_finished_rows_and_resume_completes(tmp_path, example):
    root, out = tmp_path / "music", tmp_path / "features.csv"
    _many_tracks(root, example, 40)
    proc = _extract_until_rows(root, out, 3)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    _, _, _, partial = load_features(out)  # still a valid table
    assert 3 <= len(partial) < 40, "killed mid-run"
    result = run_cli("extract", root, "-o", out, "--jobs", "2", "--resume")
    assert result.returncode == 0, result.stderr
    assert f"{len(partial)} skipped" in result.stderr
    X, y, _, table = load_features(out)
    assert sorted(table["path"]) == sorted(f"Drums/take {i}.wav" for i in range(40))
    np.testing.assert_array_equal(
        X, np.repeat(MusicFeatures().fit_transform([str(root / "Drums" / "take 0.wav")]), 40, axis=0)
    )


def test_ctrl_c_keeps_a_valid_table(tmp_path, example):
    root, out = tmp_path / "music", tmp_path / "features.csv"
    _many_tracks(root, example, 40)
    proc = _extract_until_rows(root, out, 2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (130, 0), err
    _, _, _, table = load_features(out)
    assert table["path"].is_unique and len(table) >= 2


def test_resume_with_other_parameters_is_refused(corpus, tmp_path):
    out = tmp_path / "features.csv"
    extract_folder(corpus / "Brahms Orchestra", out, jobs=1, progress=False)
    result = run_cli("extract", corpus / "Brahms Orchestra", "-o", out, "--resume", "--hop-length", "256")
    assert result.returncode == 2
    assert "cannot resume" in result.stderr and "hop_length: 512 in the table, 256 now" in result.stderr
    with pytest.raises(ResumeMismatchError, match="band_counts"):
        extract_folder(
            corpus / "Brahms Orchestra", out, extractor=MusicFeatures(band_counts=(4,)), resume=True
        )


def test_resume_accepts_a_table_whose_metadata_predates_a_parameter(corpus, tmp_path):
    import json

    out = tmp_path / "features.csv"
    extract_folder(corpus / "Brahms Orchestra", out, jobs=1, progress=False)
    meta_path = tmp_path / "features.csv.meta.json"
    meta = json.loads(meta_path.read_text())
    for newer in ("feature_set", "n_mfcc", "pitch_fmin", "pitch_fmax"):  # not in 0.1's metadata
        del meta["params"][newer]
    meta_path.write_text(json.dumps(meta))
    summary = extract_folder(corpus / "Brahms Orchestra", out, jobs=1, resume=True, progress=False)
    assert (summary.done, summary.skipped) == (0, 3)
    with pytest.raises(ResumeMismatchError, match="n_mfcc: 20 in the table, 13 now"):
        extract_folder(corpus / "Brahms Orchestra", out, extractor=MusicFeatures(n_mfcc=13), resume=True)


def test_resume_reextracts_changed_files_only(tmp_path, example):
    root = tmp_path / "music"
    root.mkdir()
    sf.write(root / "a.wav", example("choice", 3), SR)
    sf.write(root / "b.wav", example("brahms", 3), SR)
    out = tmp_path / "f.csv"
    extract_folder(root, out, jobs=1, progress=False)
    sf.write(root / "b.wav", example("vibeace", 3), SR)  # same path, new audio
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert (summary.done, summary.skipped) == (1, 1)
    X, _, _, table = load_features(out)
    assert sorted(table["path"]) == ["a.wav", "b.wav"]
    row_b = X[list(table["path"]).index("b.wav")]
    np.testing.assert_array_equal(row_b, MusicFeatures().fit_transform([str(root / "b.wav")])[0])


def test_parquet_output_equals_csv(corpus, tmp_path):
    pytest.importorskip("pyarrow")
    extract_folder(corpus / "Brahms Orchestra", tmp_path / "f.csv", jobs=1, progress=False)
    extract_folder(corpus / "Brahms Orchestra", tmp_path / "f.parquet", jobs=1, progress=False)
    a, b = load_features(tmp_path / "f.csv"), load_features(tmp_path / "f.parquet")
    np.testing.assert_array_equal(a[0], b[0])
    assert list(a[1]) == list(b[1]) and a[2] == b[2]
    assert not (tmp_path / "f.parquet.partial.csv").exists()


def test_a_crashing_worker_fails_only_its_file(tmp_path, example):
    from crashy import CrashOnLengthFeatures

    root = tmp_path / "music"
    root.mkdir()
    for i, key in enumerate(["choice", "brahms", "vibeace", "trumpet"]):
        sf.write(root / f"{i} {key}.wav", example(key, 2 + i * 0.25), SR)
    crashing = CrashOnLengthFeatures(crash_on_samples=int((2 + 2 * 0.25) * SR))  # the third file
    summary = extract_folder(root, tmp_path / "f.csv", extractor=crashing, jobs=2, progress=False)
    assert (summary.done, summary.failed) == (3, 1)
    assert summary.failures[0][:2] == ("2 vibeace.wav", "WorkerCrashed")


def test_dask_local_cluster_gives_the_same_table(corpus, tmp_path):
    distributed = pytest.importorskip("distributed")
    local = tmp_path / "local.csv"
    extract_folder(corpus, local, jobs=1, progress=False)
    with dask_client(distributed, n_workers=2) as client:
        summary = extract_folder(corpus, tmp_path / "dask.csv", client=client, progress=False)
    assert (summary.done, summary.failed) == (len(GOOD), len(BAD))
    a = load_features(local)[3].sort_values("path").reset_index(drop=True)
    b = load_features(tmp_path / "dask.csv")[3].sort_values("path").reset_index(drop=True)
    assert a.equals(b)


def test_dask_runs_one_after_another_on_one_client(two_clips, tmp_path):
    """Runs on one client do not share data: when each run scattered its extractor, an equal one's key,
    shared by content, could be released by the run before while the next one's tasks needed it."""
    distributed = pytest.importorskip("distributed")
    root = two_clips
    with dask_client(distributed, n_workers=1) as client:
        summaries = [
            extract_folder(root, tmp_path / f"t{k}.csv", client=client, progress=False) for k in range(3)
        ]
    assert [(s.done, s.failed) for s in summaries] == [(2, 0)] * 3


#: Run in a fresh interpreter (the fork server outlives a run): whether the batch's fork server was
#: running when the spied function was called, printed as JSON with the run's outcome.
FORK_SERVER_SPY = """
import json, sys
import multiprocessing.forkserver as fs
import {module} as m
seen = []
original = m.{name}
def spy(*args, **kwargs):
    seen.append(fs._forkserver._forkserver_pid is not None)
    return original(*args, **kwargs)
m.{name} = spy
{run}
print(json.dumps(seen))
"""


def _fork_server_seen(module, name, run):
    code = FORK_SERVER_SPY.format(module=module, name=name, run=run)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture()
def two_clips(tmp_path):
    root = tmp_path / "music"
    (root / "a").mkdir(parents=True)
    for i in range(2):
        sf.write(
            root / "a" / f"{i}.wav",
            (0.1 * np.sin(np.arange(2 * SR) * (0.1 + 0.01 * i))).astype(np.float32),
            SR,
        )
    return root


def test_extract_folder_starts_the_fork_server_before_finding_the_tracks(two_clips, tmp_path):
    """Its start-up (imports, kernels: over a second) runs beside the scan, the resume and the fit, not after."""
    run = f"from musicfeat import extract_folder; extract_folder({str(two_clips)!r}, {str(tmp_path / 't.csv')!r}, jobs={{jobs}}, progress=False, overwrite=True)"
    assert _fork_server_seen("musicfeat.batch.extract", "scan_folder", run.format(jobs=2)) == [True]
    assert _fork_server_seen("musicfeat.batch.extract", "scan_folder", run.format(jobs=1)) == [False]


def test_cli_extract_starts_the_fork_server_before_importing_musicfeat(two_clips, tmp_path):
    """The command's own imports (the parser reads MusicFeatures' defaults) run beside the server's."""
    out = str(tmp_path / "t.csv")
    run = f"assert m.main(['extract', {str(two_clips)!r}, '-o', {out!r}, '-q', '--overwrite', {{jobs}}]) == 0"
    assert _fork_server_seen("musicfeat.cli", "_build_parser", run.format(jobs="'-j', '2'")) == [True]
    assert _fork_server_seen("musicfeat.cli", "_build_parser", run.format(jobs="'--jobs=1'")) == [False]


def test_the_cli_preloads_what_the_batch_preloads():
    import musicfeat.batch.workers
    import musicfeat.cli

    assert musicfeat.cli._WORKER_PRELOAD == musicfeat.batch.workers._PRELOAD


def test_load_features_reads_a_foreign_table(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("song,artist,tempo,loudness,comment\nx.mp3,A,120.5,-3.0,fine\ny.mp3,B,99,-7.5,ok\n")
    X, y, names, table = load_features(path, label_column="artist")
    assert names == ["tempo", "loudness"] and list(y) == ["A", "B"]
    np.testing.assert_array_equal(X, [[120.5, -3.0], [99.0, -7.5]])


# ---------------------------------------------------------------- fuzzing the loader


@pytest.fixture(scope="module")
def valid_bytes(corpus):
    return {
        ".wav": (corpus / "at the root.wav").read_bytes(),
        ".ogg": (corpus / "Brahms Orchestra" / "part two.ogg").read_bytes(),
        ".flac": (corpus / "Brahms Orchestra" / "part one.flac").read_bytes(),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    suffix=st.sampled_from([".wav", ".ogg", ".flac", ".mp3"]),
    mutation=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=20),
    cut=st.one_of(st.none(), st.integers(0, 20_000)),
    junk=st.binary(max_size=300),
    mode=st.sampled_from(["mutate", "random"]),
)
def test_loader_fuzz_raises_only_the_package_error(
    tmp_path_factory, valid_bytes, suffix, mutation, cut, junk, mode
):
    data = bytearray(valid_bytes.get(suffix, junk) if mode == "mutate" else junk)
    for pos, value in mutation:
        if data:
            data[pos % len(data)] = value
    if cut is not None:
        data = data[:cut]
    path = tmp_path_factory.mktemp("fuzz") / f"clip{suffix}"
    path.write_bytes(bytes(data))
    try:
        y = load_audio(path, SR)
    except InvalidAudioError:
        return
    assert y.dtype == np.float32 and y.ndim == 1 and y.size > 0 and np.isfinite(y).all()


def test_progress_bar_shows_count_rate_and_eta(corpus, tmp_path, capsys):
    pytest.importorskip("tqdm")
    extract_folder(corpus / "Brahms Orchestra", tmp_path / "p.csv", jobs=1, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "track/s" in err or "s/track" in err
    extract_folder(corpus / "Brahms Orchestra", tmp_path / "q.csv", jobs=1, progress=False)
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------- a feature set that learns


def test_extended_set_learns_from_the_folder_keeps_it_beside_the_table_and_resumes(tmp_path, example, capsys):
    from musicfeat.cli import main

    root, out = tmp_path / "music", tmp_path / "features.csv"
    for label, keys in (
        ("orchestra", ("brahms", "nutcracker", "vibeace")),
        ("solo", ("trumpet", "libri1", "choice")),
    ):
        (root / label).mkdir(parents=True)
        for key in keys:
            sf.write(root / label / f"{key}.wav", example(key, 3), SR)
    (root / "solo" / "empty.wav").write_bytes(b"")  # left out of the fit, then a recorded failure
    result = run_cli("extract", root, "-o", out, "--jobs", "2", "--feature-set", "extended", "--quiet")
    assert result.returncode == 1, result.stderr
    assert error_paths(tmp_path / "features.csv.errors.csv") == {"solo/empty.wav"}
    X, y, names, table = load_features(out)
    assert (
        X.shape == (6, 1339) and np.isfinite(X).all() and set(table["feature_set_version"]) == {"extended.1"}
    )
    # The codebook was learnt from the folder's tracks, and is kept as plain arrays.
    fitted = tmp_path / "features.csv.fitted.npz"
    with np.load(fitted, allow_pickle=False) as data:
        assert data["hp_mfcc_vlad.codebook_"].shape == (16, 40)
    paths = [str(root / p) for p in table["path"]]
    mf = MusicFeatures(feature_set="extended").fit(paths)
    np.testing.assert_allclose(X, mf.transform(paths), rtol=1e-12, atol=1e-12)
    # A resume encodes new tracks with the codebook of the rows already there.
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(line for line in lines if not line.startswith("solo/trumpet")))
    summary = extract_folder(
        root, out, extractor=MusicFeatures(feature_set="extended"), jobs=1, resume=True, progress=False
    )
    assert (summary.done, summary.failed, summary.skipped) == (1, 1, 5)
    np.testing.assert_allclose(load_features(out)[0], X, rtol=1e-12, atol=1e-12)
    # A codebook learnt elsewhere (here: this table's) encodes another folder as it is.
    other = tmp_path / "orchestra.csv"
    result = run_cli(
        "extract",
        root / "orchestra",
        "-o",
        other,
        "--jobs",
        "1",
        "--feature-set",
        "extended",
        "--fitted",
        fitted,
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    in_both = [list(table["path"]).index("orchestra/" + p) for p in load_features(other)[3]["path"]]
    np.testing.assert_allclose(load_features(other)[0], X[in_both], rtol=1e-12, atol=1e-12)
    with np.load(tmp_path / "orchestra.csv.fitted.npz") as a, np.load(fitted) as b:
        assert np.array_equal(a["hp_mfcc_vlad.codebook_"], b["hp_mfcc_vlad.codebook_"])
    # The report reads an extended table like any other.
    page = tmp_path / "report.html"
    assert main(["report", str(out), "-o", str(page), "--no-tsne"]) == 0, capsys.readouterr().err
    # Without its codebook the table cannot be resumed; with other parameters neither.
    with pytest.raises(ResumeMismatchError, match=r"vlad_clusters: 16 there, 8 here"):
        extract_folder(
            root, out, extractor=MusicFeatures(feature_set="extended", vlad_clusters=8), resume=True
        )
    fitted.unlink()
    with pytest.raises(ResumeMismatchError, match=r"'features.csv.fitted.npz', which is missing"):
        extract_folder(root, out, extractor=MusicFeatures(feature_set="extended"), resume=True)


def test_dask_keeps_a_bounded_number_of_files_submitted(corpus, tmp_path, monkeypatch):
    """A million-file run must not put a million tasks on the scheduler: files are submitted as others finish."""
    distributed = pytest.importorskip("distributed")
    from musicfeat.batch import dask_runner

    monkeypatch.setattr(dask_runner, "DASK_MIN_IN_FLIGHT", 2)
    monkeypatch.setattr(dask_runner, "DASK_TASKS_PER_THREAD", 1)
    with dask_client(distributed, n_workers=1) as client:
        submitted, unfinished_at_submit = [], []
        submit = client.submit

        def counting_submit(*args, **kwargs):
            unfinished_at_submit.append(sum(not f.done() for f in submitted))
            future = submit(*args, **kwargs)
            submitted.append(future)
            return future

        client.submit = counting_submit
        summary = extract_folder(corpus, tmp_path / "dask.csv", client=client, progress=False)
    assert (summary.done, summary.failed) == (len(GOOD), len(BAD))
    assert len(submitted) > 2
    assert max(unfinished_at_submit) < 2


def dask_extract(folder, output, *, processes=True, **kwargs):
    """``extract_folder`` on a one-worker LocalCluster: its summary, and the files of each task submitted."""
    distributed = pytest.importorskip("distributed")
    with dask_client(distributed, n_workers=1, processes=processes) as client:
        sizes = []
        submit = client.submit

        def counting_submit(func, task, paths, *args, **kw):
            sizes.append(len(paths))
            return submit(func, task, paths, *args, **kw)

        client.submit = counting_submit
        return extract_folder(folder, output, client=client, progress=False, **kwargs), sizes


def test_dask_tasks_of_several_files_give_the_same_table(corpus, tmp_path, monkeypatch):
    """A large collection goes in tasks of several files (the client's cost is per task), with the same rows."""
    pytest.importorskip("distributed")
    from musicfeat.batch import dask_runner

    monkeypatch.setattr(dask_runner, "DASK_FILES_PER_THREAD_PER_EXTRA", 1)
    monkeypatch.setattr(dask_runner, "DASK_MAX_FILES_PER_TASK", 3)
    local = tmp_path / "local.csv"
    extract_folder(corpus, local, jobs=1, progress=False)
    summary, tasks = dask_extract(corpus, tmp_path / "dask.csv")
    assert (summary.done, summary.failed) == (len(GOOD), len(BAD))
    assert max(tasks) == 3 and len(tasks) < sum(tasks)
    a = load_features(local)[3].sort_values("path").reset_index(drop=True)
    b = load_features(tmp_path / "dask.csv")[3].sort_values("path").reset_index(drop=True)
    assert a.equals(b)


def test_a_failed_dask_task_of_several_files_is_retried_one_file_per_task(corpus, tmp_path, monkeypatch):
    """A task lost as a whole costs no file that is not at fault: its files go again, each alone."""
    pytest.importorskip("distributed")
    from musicfeat.batch import dask_runner, workers

    monkeypatch.setattr(dask_runner, "DASK_FILES_PER_THREAD_PER_EXTRA", 1)
    monkeypatch.setattr(dask_runner, "DASK_MAX_FILES_PER_TASK", 4)
    extract_tracks = workers.extract_tracks

    def lost_when_several(paths, extractor):  # as a worker lost more often than Dask retries
        if len(paths) > 1:
            raise RuntimeError("worker lost")
        return extract_tracks(paths, extractor)

    monkeypatch.setattr(workers, "extract_tracks", lost_when_several)
    summary, sizes = dask_extract(corpus, tmp_path / "dask.csv", processes=False)
    assert (summary.done, summary.failed) == (len(GOOD), len(BAD))
    assert max(sizes) > 1 and sizes.count(1) >= sum(n for n in sizes if n > 1)  # each went again alone
    assert not any("worker lost" in failure[2] for failure in summary.failures)


def test_on_dask_a_file_that_kills_its_workers_fails_alone(tmp_path, example, monkeypatch):
    """Its task of several files goes again one file per task, and no other file fails: the extractor
    travels in each task (scattered, it died with the last worker holding it: 'lost dependencies')."""
    distributed = pytest.importorskip("distributed")
    from crashy import CrashOnLengthFeatures

    from musicfeat.batch import dask_runner

    monkeypatch.setattr(dask_runner, "DASK_FILES_PER_THREAD_PER_EXTRA", 1)
    monkeypatch.setattr(dask_runner, "DASK_MAX_FILES_PER_TASK", 4)
    root = tmp_path / "music"
    root.mkdir()
    for i, key in enumerate(["choice", "brahms", "vibeace", "trumpet", "libri1", "libri3"]):
        sf.write(root / f"{i} {key}.wav", example(key, 2 + i * 0.25), SR)
    (root / "6 cut.ogg").write_bytes(b"OggS" + bytes(300))
    crashing = CrashOnLengthFeatures(crash_on_samples=int((2 + 2 * 0.25) * SR))  # the third file
    # Dask's default retries (allowed-failures 3): a task on a worker that dies is retried elsewhere
    # unless it was there at four deaths, which the file at fault alone is.
    with dask_client(distributed, n_workers=2) as client:
        summary = extract_folder(root, tmp_path / "f.csv", extractor=crashing, client=client, progress=False)
    failures = {path: kind for path, kind, _ in summary.failures}
    assert (summary.done, summary.failed) == (5, 2), summary.failures
    assert failures["2 vibeace.wav"] == "KilledWorker"
    assert failures["6 cut.ogg"] == "InvalidAudioError"  # its own fault, named as such


def test_on_dask_a_group_defined_in_a_function_travels_by_value(corpus, tmp_path):
    """As in a notebook or a script's __main__: the class is not importable by the workers."""
    distributed = pytest.importorskip("distributed")
    from musicfeat.accumulators import FrameSeries
    from musicfeat.groups import ClipTransformer

    class FrameCount(ClipTransformer):
        def feature_names(self):
            return ["frames"]

        def accumulator(self, config):
            return FrameSeries(lambda block: np.ones(block.S.shape[1]), lambda ones: np.array([ones.size]))

    extractor = MusicFeatures(include=["zero_crossings"], groups=[("count", FrameCount())])
    local = tmp_path / "local.csv"
    extract_folder(corpus, local, extractor=extractor, jobs=1, progress=False)
    with dask_client(distributed, n_workers=1) as client:
        summary = extract_folder(
            corpus, tmp_path / "dask.csv", extractor=extractor, client=client, progress=False
        )
    assert (summary.done, summary.failed) == (len(GOOD), len(BAD)), summary.failures
    a = load_features(local)[3].sort_values("path").reset_index(drop=True)
    b = load_features(tmp_path / "dask.csv")[3].sort_values("path").reset_index(drop=True)
    assert a.equals(b)


def test_on_dask_nothing_is_left_running_when_recording_a_row_fails(corpus, tmp_path):
    """A full disk or Ctrl-C while writing a row: the run's other tasks are cancelled, not left computing."""
    distributed = pytest.importorskip("distributed")
    from musicfeat.batch.dask_runner import run_on_dask
    from musicfeat.batch.workers import extract_tracks

    todo = find_tracks(corpus)

    def record(track, result):
        raise OSError(28, "No space left on device")

    with dask_client(distributed, n_workers=1, processes=False) as client:
        # Kept, as a notebook keeps the last traceback: its frames hold the run's futures.
        with pytest.raises(OSError, match="No space left") as raised:
            run_on_dask(client, todo, extract_tracks, MusicFeatures().fit([]), record)
        left = None
        for _ in range(100):  # cancellation reaches the scheduler asynchronously
            left = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
            if left == 0:
                break
            time.sleep(0.1)
        assert raised.traceback  # still held here
    assert left == 0
