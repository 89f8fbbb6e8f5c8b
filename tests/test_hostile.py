"""Batch extraction under hostile folders and runs: nothing lost, nothing aborted (issue 9).

Each test builds its hostile case in a temporary folder from short synthetic
clips and checks the outcome: rows kept, rows equal to ``MusicFeatures`` on
the same file, failures recorded with their reason, exit codes, messages.
Names and the table format are in ``test_table_format.py``; the command
line's own messages in ``test_cli_errors.py``.
"""

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers import SR, tone

from musicfeat import DegenerateFeatureWarning, MusicFeatures, extract_folder, load_features
from musicfeat.batch import OutputLockedError, ResumeMismatchError, scan_folder
from musicfeat.batch.lock import output_lock
from musicfeat.cli import main
from musicfeat.feature_table import table_paths

#: The tests extract short synthetic clips by design: the one DegenerateFeatureWarning a run gives is
#: expected here (the tests of "said once" below check that it is one, and that it costs no file).
pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")

posix = pytest.mark.skipif(os.name != "posix", reason="POSIX file system features")


def _folder(root, names, seconds=1.0):
    """Clips under ``root`` (``label/name.wav``), each a different tone."""
    for k, name in enumerate(names):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, tone(200 + 50 * k, seconds + 0.1 * k), SR)
    return root


def _rows(out):
    return list(load_features(out)[3]["path"])


def _expected(root, relpaths):
    return MusicFeatures().fit_transform([str(root / p) for p in relpaths])


# ---------------------------------------------------------------- 1. resume never deletes rows


def test_resume_onto_an_empty_or_wrong_root_keeps_every_row(tmp_path, capsys):
    root = _folder(tmp_path / "music", ["A/a.wav", "B/b.wav"])
    out = tmp_path / "features.csv"
    extract_folder(root, out, jobs=1, progress=False)
    before = out.read_bytes()
    empty = tmp_path / "unmounted"
    empty.mkdir()
    assert main(["extract", str(empty), "-o", str(out), "--resume", "--jobs", "1"]) == 0
    assert "2 rows kept whose file was not found" in capsys.readouterr().err
    assert out.read_bytes() == before, "not one byte of the finished rows changed"
    # one file gone, one changed: the first row stays, the second is extracted again
    (root / "A" / "a.wav").unlink()
    sf.write(root / "B" / "b.wav", tone(900, 1.0), SR)
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert (summary.done, summary.skipped, summary.kept_missing) == (1, 0, 1)
    X, _, _, table = load_features(out)
    assert list(table["path"]) == ["A/a.wav", "B/b.wav"]
    np.testing.assert_array_equal(X[1], _expected(root, ["B/b.wav"])[0])


# ---------------------------------------------------------------- 4, 5. what the table itself says


def test_a_resume_without_metadata_checks_the_rows_own_parameters(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav", "A/b.wav"])
    out = tmp_path / "features.csv"
    extract_folder(root, out, jobs=1, progress=False)
    meta = table_paths(out).meta
    os.remove(meta)
    with pytest.raises(ResumeMismatchError, match=r"line 2 .* other parameters .*metadata file.* is missing"):
        extract_folder(root, out, extractor=MusicFeatures(hop_length=256), resume=True, progress=False)
    assert len(_rows(out)) == 2 and not os.path.exists(meta), "a refused resume changes nothing"
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)  # the same parameters
    assert (summary.done, summary.skipped) == (0, 2)
    assert json.loads(Path(meta).read_text())["params"]["hop_length"] == 512


def test_a_table_of_an_earlier_musicfeat_resumes_in_the_new_form(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav", "A/b.wav"])
    out = tmp_path / "features.csv"
    extract_folder(root, out, jobs=1, progress=False)
    lines = out.read_text().splitlines()
    old = [",".join(c for i, c in enumerate(line.split(",")) if i != 5) for line in lines]  # no digest
    out.write_text("\n".join(old[:2]) + "\n")  # and b.wav not done yet
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert (summary.done, summary.skipped) == (1, 1)
    X, _, _, table = load_features(out)
    assert "params_digest" in table.columns and table["params_digest"].nunique() == 1
    np.testing.assert_array_equal(X, _expected(root, ["A/a.wav", "A/b.wav"]))


def test_resuming_onto_an_empty_output_writes_the_header(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    out = tmp_path / "features.csv"
    out.write_bytes(b"")  # what a disk-full run can leave
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert summary.done == 1
    np.testing.assert_array_equal(load_features(out)[0], _expected(root, ["A/a.wav"]))
    out.write_bytes(b"path,label,durat")  # a header cut mid-write
    extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert _rows(out) == ["A/a.wav"]


# ---------------------------------------------------------------- 6. one writer per table


def test_a_second_run_on_the_same_output_is_refused_naming_the_first(tmp_path, capsys):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    out = tmp_path / "features.csv"
    paths = table_paths(out)
    with output_lock(paths.lock, paths.output):
        with pytest.raises(OutputLockedError, match=rf"pid {os.getpid()} on {socket.gethostname()}, since"):
            extract_folder(root, out, jobs=1, progress=False)
        assert main(["extract", str(root), "-o", str(out), "--jobs", "1"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is being written by another musicfeat run (pid" in err
    assert not out.exists(), "the refused runs wrote nothing"
    extract_folder(root, out, jobs=1, progress=False)
    assert not os.path.exists(paths.lock), "released and removed at the end"


@posix
def test_a_killed_holder_leaves_no_lock(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    out = tmp_path / "features.csv"
    paths = table_paths(out)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom musicfeat.batch.lock import output_lock\n"
            "with output_lock(sys.argv[1], sys.argv[2]):\n    print('locked', flush=True)\n    time.sleep(600)",
            paths.lock,
            paths.output,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(OutputLockedError, match=rf"pid {holder.pid} "):
        extract_folder(root, out, jobs=1, progress=False)
    holder.kill()
    holder.wait()
    holder.stdout.close()
    assert extract_folder(root, out, jobs=1, progress=False).done == 1


# ---------------------------------------------------------------- 7, 11. what is under the root


@posix
def test_linked_label_folders_are_followed_once(tmp_path):
    elsewhere = _folder(tmp_path / "other drive", ["Jazz/j.wav"])
    root = _folder(tmp_path / "music", ["Rock/r.wav"])
    (root / "Jazz").symlink_to(elsewhere / "Jazz", target_is_directory=True)
    (root / "Rock" / "loop").symlink_to(root, target_is_directory=True)  # a loop
    (root / "Again").symlink_to(root / "Rock", target_is_directory=True)  # a second way in
    scan = scan_folder(root)
    assert [(t.relpath, t.label) for t in scan.tracks] == [("Again/r.wav", "Again"), ("Jazz/j.wav", "Jazz")]
    assert scan.skipped == []


def test_a_folder_that_cannot_be_listed_is_recorded(tmp_path, monkeypatch):
    root = _folder(tmp_path / "music", ["A/a.wav", "Locked/b.wav"])
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("Locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    summary = extract_folder(root, tmp_path / "f.csv", jobs=1, progress=False)
    assert summary.done == 1
    assert summary.failures == [("Locked", "PermissionError", "cannot list this folder: Permission denied")]


@posix
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root lists every folder")
def test_a_folder_without_permission_is_recorded(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav", "Locked/b.wav"])
    os.chmod(root / "Locked", 0)
    try:
        summary = extract_folder(root, tmp_path / "f.csv", jobs=1, progress=False)
    finally:
        os.chmod(root / "Locked", stat.S_IRWXU)
    assert [f[:2] for f in summary.failures] == [("Locked", "PermissionError")]


@posix
def test_named_pipes_and_broken_links_are_skipped_and_recorded(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    os.mkfifo(root / "A" / "x.wav")  # opening it would block forever
    (root / "A" / "gone.flac").symlink_to(tmp_path / "nowhere.flac")
    summary = extract_folder(root, tmp_path / "f.csv", jobs=1, progress=False)
    assert summary.done == 1
    assert sorted(f[:2] for f in summary.failures) == [
        ("A/gone.flac", "FileNotFoundError"),
        ("A/x.wav", "NotARegularFile"),
    ]
    assert "named pipe" in dict((f[0], f[2]) for f in summary.failures)["A/x.wav"]


# ---------------------------------------------------------------- 8. one order


def test_the_table_is_sorted_by_path_whatever_order_workers_finish_in(tmp_path):
    names = [f"A/{k:02d}.wav" for k in range(6)]
    root = tmp_path / "music"
    for k, name in enumerate(names):  # the first files are the longest, so they finish last
        (root / "A").mkdir(parents=True, exist_ok=True)
        sf.write(root / name, tone(300 + 20 * k, 6.0 - k), SR)
    out = tmp_path / "f.csv"
    extract_folder(root, out, jobs=2, progress=False)
    assert [line.split(",")[0] for line in out.read_text().splitlines()[1:]] == names
    X, _, _, table = load_features(out)
    np.testing.assert_array_equal(X, _expected(root, names))


# ---------------------------------------------------------------- 10, 11, 12. workers


def _faulty_run(tmp_path, fault, *, jobs, timeout=None):
    from crashy import FaultOnLengthFeatures

    root = _folder(tmp_path / "music", ["A/a.wav", "A/b.wav", "A/c.wav"])
    culprit = int(round(1.1 * SR))  # b.wav: 1.1 s
    extractor = FaultOnLengthFeatures(fault=fault, on_samples=culprit)
    summary = extract_folder(
        root, tmp_path / "f.csv", extractor=extractor, jobs=jobs, timeout=timeout, progress=False
    )
    assert summary.done == 2 and [f[0] for f in summary.failures] == ["A/b.wav"]
    np.testing.assert_array_equal(
        load_features(tmp_path / "f.csv")[0], _expected(root, ["A/a.wav", "A/c.wav"])
    )
    return summary.failures[0]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_memory_error_fails_only_its_file(tmp_path, jobs):
    _, error_type, message = _faulty_run(tmp_path, "memory", jobs=jobs)
    assert error_type == "MemoryError" and message.startswith("out of memory while decoding or analysing")


def test_any_exception_fails_only_its_file(tmp_path):
    assert _faulty_run(tmp_path, "error", jobs=2)[1:] == ("RuntimeError", "something no one expected")


def test_an_aborting_worker_fails_only_its_file(tmp_path):
    _, error_type, message = _faulty_run(tmp_path, "abort", jobs=2)  # as std::bad_alloc does
    assert error_type == "WorkerCrashed" and "(killed by SIGABRT: a crash in native code" in message


def test_a_file_that_hangs_times_out_and_its_worker_is_replaced(tmp_path):
    _, error_type, message = _faulty_run(tmp_path, "hang", jobs=2, timeout=2)
    assert (error_type, message) == ("Timeout", "no result after 2 s (the time limit per file, --timeout)")


@posix
@pytest.mark.slow  # waits for orphaned workers to notice
def test_workers_exit_when_their_parent_is_killed(tmp_path):
    psutil = pytest.importorskip("psutil")
    root = tmp_path / "music"
    (root / "A").mkdir(parents=True)
    sf.write(root / "A" / "0.wav", tone(300, 6.0), SR)
    for k in range(1, 30):
        os.link(root / "A" / "0.wav", root / "A" / f"{k}.wav")
    out = tmp_path / "f.csv"
    parent = subprocess.Popen(
        [sys.executable, "-m", "musicfeat", "extract", str(root), "-o", str(out), "--jobs", "2", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out.exists() and out.read_bytes().count(b"\n") >= 2):
        time.sleep(0.05)
    children = psutil.Process(parent.pid).children(recursive=True)
    assert len(children) >= 3, "a fork server and two workers"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    _, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, f"left running: {[p.cmdline()[:3] for p in alive]}"


# ---------------------------------------------------------------- degenerate features: said once


@pytest.mark.parametrize("jobs", [1, 2])
def test_short_clips_give_one_warning_for_the_whole_run(tmp_path, jobs):
    root = _folder(tmp_path / "music", ["A/a.wav", "A/b.wav", "B/c.wav"])  # shorter than 3-s windows
    with pytest.warns(DegenerateFeatureWarning) as record:
        summary = extract_folder(root, tmp_path / "f.csv", jobs=jobs, progress=False)
    said = [str(w.message) for w in record if w.category is DegenerateFeatureWarning]
    assert len(said) == 1 and said[0].startswith("3 of 3 tracks have degenerate features")
    assert "window_seconds" in said[0]
    assert (summary.done, summary.failed, len(summary.degenerate)) == (3, 0, 3)
    assert said[0] in str(summary)


def test_warnings_as_errors_cost_no_file(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav", "A/b.wav"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFeatureWarning)
        with pytest.raises(DegenerateFeatureWarning, match="2 of 2 tracks"):
            extract_folder(root, tmp_path / "f.csv", jobs=1, progress=False)
    np.testing.assert_array_equal(
        load_features(tmp_path / "f.csv")[0], _expected(root, ["A/a.wav", "A/b.wav"])
    )


def test_the_command_line_says_it_on_one_line(tmp_path, capfd):
    root = _folder(tmp_path / "music", ["A/a.wav", "A/b.wav", "B/c.wav"])
    assert main(["extract", str(root), "-o", str(tmp_path / "f.csv"), "--jobs", "2"]) == 0
    err = capfd.readouterr().err
    assert err.count("degenerate features") == 1 and "DegenerateFeatureWarning:" not in err, err


# ---------------------------------------------------------------- 13. the output itself


@pytest.mark.parametrize(
    "output, match",
    [
        ("missing/features.csv", r"missing: no such folder for the output"),
        ("folder", r"folder: is a folder, not a table file"),
        ("features.csv.gz", r"features.csv.gz: tables are written as .csv or .parquet"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_any_work(tmp_path, capsys, output, match):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    (tmp_path / "folder").mkdir()
    assert main(["extract", str(root), "-o", str(tmp_path / output), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("musicfeat: error: ")
    assert __import__("re").search(match, err), err
    assert "--resume" not in err, "no rows exist: resuming is not the advice"


def test_a_finished_table_is_not_overwritten_without_resume_or_overwrite(tmp_path, capsys):
    root = _folder(tmp_path / "music", ["A/a.wav", "B/b.wav"])
    out = tmp_path / "features.csv"
    extract_folder(root, out, jobs=1, progress=False)
    before = out.read_bytes()
    (root / "B" / "b.wav").unlink()
    with pytest.raises(FileExistsError, match="holds finished rows"):
        extract_folder(root, out, jobs=1, progress=False)
    assert main(["extract", str(root), "-o", str(out), "--jobs", "1"]) == 2
    assert capsys.readouterr().err == (
        f"musicfeat: error: {out}: it holds finished rows; run again with --resume to keep them and "
        "extract the rest, or with --overwrite to start again\n"
    )
    assert out.read_bytes() == before, "not one byte of the finished rows changed"
    assert main(["extract", str(root), "-o", str(out), "--jobs", "1", "--overwrite", "-q"]) == 0
    assert _rows(out) == ["A/a.wav"]
    # a table with its header only (a run stopped before its first row) holds nothing to lose
    out.write_text(out.read_text().splitlines()[0] + "\n")
    assert extract_folder(root, out, jobs=1, progress=False).done == 1


def test_max_duration_from_the_command_line(tmp_path, capsys):
    root = _folder(tmp_path / "music", ["A/short.wav", "A/long.wav"], seconds=1.0)
    sf.write(root / "A" / "long.wav", tone(300, 3.0), SR)
    out = tmp_path / "features.csv"
    argv = ["extract", str(root), "-o", str(out), "--jobs", "1", "-q", "--max-duration", "2"]
    assert main(argv) == 1
    assert _rows(out) == ["A/short.wav"]
    assert "longer than max_duration=2 s" in (tmp_path / "features.csv.errors.csv").read_text()
    assert main(argv[:-2] + ["--max-duration", "-1", "--overwrite"]) == 2
    assert "--max-duration must be a number of seconds, 0 for none; got -1" in capsys.readouterr().err
    assert main(argv[:-2] + ["--max-duration", "0", "--overwrite"]) == 0


def test_a_full_disk_stops_the_run_with_one_line_and_keeps_the_rows(tmp_path, capsys, monkeypatch):
    import errno

    import musicfeat.feature_table as feature_table

    root = _folder(tmp_path / "music", ["A/a.wav", "A/b.wav", "A/c.wav"])
    out = tmp_path / "f.csv"
    real_write, rows = os.write, []

    def write(fd, data):
        rows.extend([data] if data.startswith(b"A/") else [])
        if len(rows) > 1:  # the header and one row fit
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(feature_table.os, "write", write)
    assert main(["extract", str(root), "-o", str(out), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"musicfeat: error: {out}: No space left on device; finished rows are kept: run again with --resume\n"
    )
    monkeypatch.undo()
    assert _rows(out) == ["A/a.wav"]
    assert extract_folder(root, out, jobs=1, resume=True, progress=False).done == 2
    np.testing.assert_array_equal(load_features(out)[0], _expected(root, ["A/a.wav", "A/b.wav", "A/c.wav"]))


def test_a_parquet_output_without_pyarrow_is_refused_before_the_first_file(tmp_path, monkeypatch):
    from musicfeat._optional import MissingExtraError

    root = _folder(tmp_path / "music", ["A/a.wav"])
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(
        MissingExtraError, match=r'Parquet output needs pyarrow.*pip install "musicfeat\[parquet\]"'
    ):
        extract_folder(root, tmp_path / "f.parquet", jobs=1, progress=False)
    assert os.listdir(tmp_path) == ["music"]


# ---------------------------------------------------------------- issue 12: 7 and 11


def test_no_errors_file_when_nothing_failed(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    out = tmp_path / "f.csv"
    for name in ("f.csv.errors.csv", "f.errors.csv"):  # this version's name, and an earlier musicfeat's
        (tmp_path / name).write_text("path,error_type,message\nold.wav,X,from an earlier run\n")
    summary = extract_folder(root, out, jobs=1, progress=False)
    assert summary.failed == 0 and not (tmp_path / "f.csv.errors.csv").exists()
    assert not (tmp_path / "f.errors.csv").exists()


def test_paths_starting_with_a_tilde_are_the_home_folder(tmp_path, monkeypatch):
    home = tmp_path / "home"
    root = _folder(home / "music", ["A/a.wav"])
    monkeypatch.setenv("HOME", str(home))
    summary = extract_folder("~/music", "~/features.csv", jobs=1, progress=False)
    assert summary.done == 1 and summary.output_path == str(home / "features.csv")
    X, y, _, _ = load_features("~/features.csv")
    np.testing.assert_array_equal(X, MusicFeatures().fit_transform(["~/music/A/a.wav"]))
    np.testing.assert_array_equal(X, _expected(root, ["A/a.wav"]))


# ---------------------------------------------------------------- issue 18, 14: what cannot be had, named


def test_a_lock_the_file_system_cannot_give_names_the_lock_file_and_leaves_none(
    tmp_path, capsys, monkeypatch
):
    import errno
    import fcntl

    root = _folder(tmp_path / "music", ["A/a.wav"])
    out = tmp_path / "f.csv"
    lock = table_paths(out).lock

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.raises(OSError, match=r"cannot lock the output's lock file \(No locks available\)") as caught:
        extract_folder(root, out, jobs=1, progress=False)
    assert caught.value.filename == lock and caught.value.errno == errno.ENOLCK
    assert not os.path.exists(lock), "no stale lock file"
    assert main(["extract", str(root), "-o", str(out), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"musicfeat: error: {lock}: cannot lock the output's lock file (No locks available)"
    )
    assert err.count("\n") == 1 and not os.path.exists(lock)


def test_a_full_disk_while_writing_the_lock_leaves_no_lock_file(tmp_path, monkeypatch):
    import errno

    import musicfeat.batch.lock as lock_module

    root = _folder(tmp_path / "music", ["A/a.wav"])
    out = tmp_path / "f.csv"
    real_write = os.write

    def write(fd, data):
        if data.startswith(b'{"pid"'):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(lock_module.os, "write", write)
    with pytest.raises(
        OSError, match=r"No space left on device \(writing the output's lock file\)"
    ) as caught:
        extract_folder(root, out, jobs=1, progress=False)
    assert caught.value.filename == table_paths(out).lock and not os.path.exists(table_paths(out).lock)


def test_a_full_scratch_disk_in_the_workers_is_named(tmp_path, monkeypatch):
    import errno
    import tempfile

    import musicfeat.batch.workers as workers

    root = _folder(tmp_path / "music", ["A/a.wav"])

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workers, "load_audio", full)
    summary = extract_folder(
        root, tmp_path / "f.csv", extractor=MusicFeatures(engine="whole"), jobs=1, progress=False
    )
    [(path, error_type, message)] = summary.failures
    assert error_type == "OSError" and "No space left on device" in message
    assert f"the scratch folder {tempfile.gettempdir()!r}, TMPDIR, is full" in message
    monkeypatch.setattr(workers, "run_pool", full)  # starting the worker processes
    with pytest.raises(OSError, match=r"scratch folder \(TMPDIR\).* is full") as caught:
        extract_folder(root, tmp_path / "g.csv", jobs=2, progress=False)
    assert caught.value.filename == tempfile.gettempdir()


def test_a_disk_that_fills_during_the_final_sort_names_the_table_and_keeps_it(tmp_path, capsys, monkeypatch):
    import errno

    import musicfeat.feature_table._files as files

    root = _folder(tmp_path / "music", ["B/b.wav"])
    out = tmp_path / "f.csv"
    extract_folder(root, out, jobs=1, progress=False)
    _folder(root, ["A/a.wav"])  # appended after B/b.wav: the table is sorted at the end
    real_open = open

    class Full:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    def open_(path, mode="r", *args, **kwargs):
        f = real_open(path, mode, *args, **kwargs)
        return Full(f) if str(path).endswith(".tmp") and "w" in mode else f

    monkeypatch.setattr(files, "open", open_, raising=False)
    assert main(["extract", str(root), "-o", str(out), "--jobs", "1", "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"musicfeat: error: {out}: No space left on device while sorting it (it is left as it was"
    )
    assert "finished rows are kept: run again with --resume" in err
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []
    monkeypatch.undo()
    assert _rows(out) == ["B/b.wav", "A/a.wav"], "every row kept, unsorted"
    assert extract_folder(root, out, jobs=1, resume=True, progress=False).skipped == 2
    assert _rows(out) == ["A/a.wav", "B/b.wav"]
