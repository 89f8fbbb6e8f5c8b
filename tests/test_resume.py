"""Resume and the files beside a table: nothing lost, nothing read twice (issue 18: 4, 5, 15, 16, 18, 19).

Each test builds its case in a temporary folder from short synthetic clips
and checks the outcome: rows kept, rows equal to ``MusicFeatures`` on the
same file, failures with their reason, messages, and which files were read.
"""

import json
import os

import numpy as np
import pytest
import soundfile as sf
from helpers import SR, tone

import musicfeat.batch.tracks as tracks
from musicfeat import MusicFeatures, extract_folder, load_features
from musicfeat.batch import ResumeMismatchError
from musicfeat.batch.resume import params_digest
from musicfeat.batch.tracks import FileIndex
from musicfeat.cli import main
from musicfeat.feature_table import TableFormatError, table_paths
from musicfeat.value_identity import legacy_digest

#: Short synthetic clips by design (see test_hostile.py).
pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")

#: A time well before any test runs: a file this old is not "modified while read".
PAST_NS = 1_600_000_000 * 10**9


def _folder(root, names, seconds=0.6, past=True):
    """Clips under ``root``, each a different tone; dated in the past unless ``past`` is False."""
    for k, name in enumerate(names):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, tone(200 + 50 * k, seconds + 0.1 * k), SR)
        if past:
            os.utime(path, ns=(PAST_NS, PAST_NS + k))
    return root


def _expected(root, relpaths):
    return MusicFeatures().fit_transform([str(root / p) for p in relpaths])


def _bad_wav(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF....WAVEjunk")


# ---------------------------------------------------------------- 4. side files named from the whole output


def test_csv_and_parquet_of_one_stem_keep_their_own_failures(tmp_path):
    pytest.importorskip("pyarrow")
    root = _folder(tmp_path / "music", ["A/a.wav"])
    _bad_wav(root / "A" / "bad.wav")
    csv_summary = extract_folder(root, tmp_path / "feat.csv", jobs=1, progress=False)
    parquet_summary = extract_folder(root, tmp_path / "feat.parquet", jobs=1, progress=False)
    assert csv_summary.errors_path == str(tmp_path / "feat.csv.errors.csv")
    assert parquet_summary.errors_path == str(tmp_path / "feat.parquet.errors.csv")
    for errors in ("feat.csv.errors.csv", "feat.parquet.errors.csv"):
        assert "A/bad.wav" in (tmp_path / errors).read_text(), errors
    (root / "A" / "bad.wav").unlink()  # nothing fails now: this table's failures go, the other's stay
    extract_folder(root, tmp_path / "feat.csv", jobs=1, progress=False, overwrite=True)
    assert not (tmp_path / "feat.csv.errors.csv").exists()
    assert (tmp_path / "feat.parquet.errors.csv").exists()


def test_a_table_named_like_an_errors_file_is_never_deleted(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    assert main(["extract", str(root), "-o", str(tmp_path / "run.errors.csv"), "--jobs", "1", "-q"]) == 0
    table = (tmp_path / "run.errors.csv").read_bytes()
    _bad_wav(root / "A" / "bad.wav")
    assert main(["extract", str(root), "-o", str(tmp_path / "run.csv"), "--jobs", "1", "-q"]) == 1
    assert (tmp_path / "run.errors.csv").read_bytes() == table, "another table, not this run's failures"
    assert "A/bad.wav" in (tmp_path / "run.csv.errors.csv").read_text()


def test_an_older_musicfeat_s_errors_file_goes_only_when_no_other_table_shares_it(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    legacy = tmp_path / "feat.errors.csv"
    legacy.write_text("path,error_type,message\nold.wav,X,from an earlier run\n")
    (tmp_path / "feat.parquet").write_bytes(b"")  # the other table that shared it
    extract_folder(root, tmp_path / "feat.csv", jobs=1, progress=False)
    assert legacy.exists()
    (tmp_path / "feat.parquet").unlink()
    extract_folder(root, tmp_path / "feat.csv", jobs=1, progress=False, overwrite=True)
    assert not legacy.exists()


def test_a_foreign_file_where_the_failures_would_go_is_refused_before_any_work(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    mine = tmp_path / "feat.csv.errors.csv"
    mine.write_text("song,notes\nx,keep me\n")
    with pytest.raises(
        ValueError, match=r"feat.csv.errors.csv' is where this table's failures go, and it is not"
    ):
        extract_folder(root, tmp_path / "feat.csv", jobs=1, progress=False)
    assert mine.read_text() == "song,notes\nx,keep me\n" and not (tmp_path / "feat.csv").exists()


# ---------------------------------------------------------------- 5. a changed file keeps its row until replaced


def test_a_changed_file_that_now_fails_keeps_its_row_and_is_reported(tmp_path, capsys):
    names = [f"A/t{k}.wav" for k in range(4)]
    root = _folder(tmp_path / "root", names)
    out = tmp_path / "f.csv"
    extract_folder(root, out, jobs=1, progress=False)
    X_before = load_features(out)[0]
    with open(root / "A" / "t0.wav", "r+b") as f:  # truncate -s 40 root/A/t0.wav
        f.truncate(40)
    assert main(["extract", str(root), "-o", str(out), "--resume", "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "1 changed file now fails, 'A/t0.wav': the row of its earlier content is kept" in err
    X, _, _, table = load_features(out)
    assert list(table["path"]) == names, "4 rows stay 4"
    np.testing.assert_array_equal(X, X_before)
    errors = (tmp_path / "f.csv.errors.csv").read_text()
    assert (
        "A/t0.wav" in errors
        and "its content changed since its row was written, and that row is kept" in errors
    )
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert summary.changed_failed == ["A/t0.wav"] and summary.failed == 1 and summary.skipped == 3


def test_a_changed_file_gets_one_new_row_even_after_an_interruption(tmp_path):
    root = _folder(tmp_path / "root", ["A/a.wav", "A/b.wav"])
    out = tmp_path / "f.csv"
    extract_folder(root, out, jobs=1, progress=False)
    sf.write(root / "A" / "a.wav", tone(900, 0.7), SR)
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert (summary.done, summary.skipped, summary.changed_failed) == (1, 1, [])
    X, _, _, table = load_features(out)
    assert list(table["path"]) == ["A/a.wav", "A/b.wav"]
    np.testing.assert_array_equal(X, _expected(root, ["A/a.wav", "A/b.wav"]))
    # An interrupted run leaves the earlier row and the new one: the later line wins.
    lines = out.read_text().splitlines(keepends=True)
    stale = lines[1].replace(lines[1].split(",")[4], "0" * 64)
    out.write_text(lines[0] + stale + lines[2] + lines[1])
    X, _, _, table = load_features(out)  # the later row of a path is its row, before any resume
    assert list(table["path"]) == ["A/b.wav", "A/a.wav"]
    np.testing.assert_array_equal(X, _expected(root, ["A/b.wav", "A/a.wav"]))
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert (summary.done, summary.skipped) == (0, 2)
    X, _, _, table = load_features(out)
    assert list(table["path"]) == ["A/a.wav", "A/b.wav"]
    np.testing.assert_array_equal(X, _expected(root, ["A/a.wav", "A/b.wav"]))


# ---------------------------------------------------------------- 15. duplicates are said


def test_identical_files_are_reported_as_duplicates(tmp_path):
    root = _folder(tmp_path / "root", ["A/a.wav", "B/b.wav", "B/c.wav"])
    (root / "C").mkdir()
    (root / "C" / "copy of a.wav").write_bytes((root / "A" / "a.wav").read_bytes())
    summary = extract_folder(root, tmp_path / "f.csv", jobs=1, progress=False)
    assert summary.duplicates == [("A/a.wav", "C/copy of a.wav")]
    assert (
        "1 track has the same content as another (same content_sha256): 'A/a.wav' and 'C/copy of a.wav'"
        in str(summary)
    )
    # A resume knows the kept rows' content too.
    (root / "B" / "d.wav").write_bytes((root / "B" / "b.wav").read_bytes())
    summary = extract_folder(root, tmp_path / "f.csv", jobs=1, progress=False, resume=True)
    assert summary.duplicates == [("A/a.wav", "C/copy of a.wav"), ("B/b.wav", "B/d.wav")]
    assert "2 tracks have the same content as another (same content_sha256), in 2 groups: " in str(summary)


# ---------------------------------------------------------------- 16. the output's name says its format


@pytest.mark.parametrize(
    "name, match",
    [
        (
            "out.xlsx",
            r"out.xlsx: tables are written as .csv or .parquet, not '.xlsx': name it out.csv or out.parquet",
        ),
        ("out", r"out: tables are written as .csv or .parquet, and this name has no extension"),
        ("out.csv.gz", r"out.csv.gz: tables are written as .csv or .parquet; compress the finished table"),
    ],
)
def test_an_output_of_another_format_is_refused_before_any_work(tmp_path, capsys, name, match):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    with pytest.raises(ValueError, match=match):
        extract_folder(root, tmp_path / name, jobs=1, progress=False)
    assert main(["extract", str(root), "-o", str(tmp_path / name), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and __import__("re").search(match, err), err
    assert os.listdir(tmp_path) == ["music"]


# ---------------------------------------------------------------- 18. a 0-byte Parquet is an empty table


def test_resuming_onto_a_zero_byte_parquet_extracts_everything(tmp_path):
    pytest.importorskip("pyarrow")
    root = _folder(tmp_path / "music", ["A/a.wav", "A/b.wav"])
    out = tmp_path / "f.parquet"
    out.write_bytes(b"")
    with pytest.raises(TableFormatError, match=r"f.parquet' is empty \(0 bytes\): not a table"):
        load_features(out)  # as a 0-byte CSV is
    assert main(["extract", str(root), "-o", str(out), "--resume", "--jobs", "1", "-q"]) == 0
    X, _, _, table = load_features(out)
    assert list(table["path"]) == ["A/a.wav", "A/b.wav"]
    np.testing.assert_array_equal(X, _expected(root, ["A/a.wav", "A/b.wav"]))


# ---------------------------------------------------------------- 19. a resume reads only what changed


@pytest.fixture
def hashed(monkeypatch):
    """The paths the parent process reads to hash them (jobs=1: the workers' reads are in it too)."""
    read = []
    real = tracks._hash_file

    def counting(path):
        read.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(tracks, "_hash_file", counting)
    return read


def test_a_resume_hashes_only_files_whose_size_or_time_changed(tmp_path, hashed):
    names = ["A/a.wav", "A/b.wav", "B/c.wav"]
    root = _folder(tmp_path / "music", names)
    out = tmp_path / "f.csv"
    extract_folder(root, out, jobs=1, progress=False)
    assert os.path.exists(table_paths(out).index)
    hashed.clear()
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert (summary.skipped, hashed) == (3, []), "nothing read: sizes and times as recorded"
    os.utime(root / "A" / "b.wav", ns=(PAST_NS, PAST_NS + 99))  # touched, same content
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert (summary.skipped, summary.done, hashed) == (3, 0, ["b.wav"])
    hashed.clear()
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert hashed == [], "hashed once, then trusted again"
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False, verify=True)
    assert sorted(hashed) == ["a.wav", "b.wav", "c.wav"] and summary.skipped == 3


def test_without_its_index_a_resume_hashes_every_file(tmp_path, hashed):
    root = _folder(tmp_path / "music", ["A/a.wav", "A/b.wav"])
    out = tmp_path / "f.csv"
    extract_folder(root, out, jobs=1, progress=False)
    os.remove(table_paths(out).index)
    hashed.clear()
    assert extract_folder(root, out, jobs=1, resume=True, progress=False).skipped == 2
    assert sorted(hashed) == ["a.wav", "b.wav"]


def test_a_changed_file_with_the_size_of_its_row_is_seen_by_its_time(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    out = tmp_path / "f.csv"
    extract_folder(root, out, jobs=1, progress=False)
    data = bytearray((root / "A" / "a.wav").read_bytes())
    data[-2:] = b"\x10\x20"  # one sample changed: same size, a later time
    (root / "A" / "a.wav").write_bytes(bytes(data))
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert (summary.done, summary.skipped) == (1, 0)
    np.testing.assert_array_equal(load_features(out)[0], _expected(root, ["A/a.wav"]))


def test_a_file_modified_just_before_it_was_read_is_not_trusted(tmp_path, hashed):
    root = _folder(tmp_path / "music", ["A/a.wav"], past=False)  # written now: within a time's resolution
    out = tmp_path / "f.csv"
    extract_folder(root, out, jobs=1, progress=False)
    assert FileIndex.load(table_paths(out).index).entries == {}
    hashed.clear()
    extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert hashed == ["a.wav"]


def test_a_damaged_index_only_means_hashing(tmp_path, hashed):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    out = tmp_path / "f.csv"
    extract_folder(root, out, jobs=1, progress=False)
    for damaged in ("", "[1, 2]", '{"files": {"x": 3}}', '{"files": []}'):
        with open(table_paths(out).index, "w") as f:
            f.write(damaged)
        hashed.clear()
        assert extract_folder(root, out, jobs=1, resume=True, progress=False).skipped == 1
        assert hashed == ["a.wav"], damaged


def test_a_resume_with_nothing_new_does_not_read_a_sorted_table_again(tmp_path, monkeypatch):
    import musicfeat.batch.extract as extract

    root = _folder(tmp_path / "music", ["A/a.wav", "B/b.wav"])
    out = tmp_path / "f.csv"
    extract_folder(root, out, jobs=1, progress=False)
    sorted_tables = []
    real = extract.sort_rows
    monkeypatch.setattr(extract, "sort_rows", lambda path: sorted_tables.append(path) or real(path))
    extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert sorted_tables == []
    lines = out.read_text().splitlines(keepends=True)
    out.write_text(lines[0] + lines[2] + lines[1])  # left unsorted by an interrupted sort
    extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert sorted_tables == [str(out)] and list(load_features(out)[3]["path"]) == ["A/a.wav", "B/b.wav"]


# ---------------------------------------------------------------- issue 17, item 6: what changes the values


def test_resume_accepts_a_change_of_engine_or_max_duration(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    out = tmp_path / "feat.csv"
    extract_folder(
        root, out, extractor=MusicFeatures(engine="whole", max_duration=60), jobs=1, progress=False
    )
    _folder(root, ["B/b.wav"])
    summary = extract_folder(
        root, out, extractor=MusicFeatures(engine="stream"), resume=True, jobs=1, progress=False
    )
    assert (summary.done, summary.skipped) == (1, 1)
    X, _, _, table = load_features(out)
    np.testing.assert_array_equal(X, _expected(root, ["A/a.wav", "B/b.wav"]))
    assert set(table["params_digest"]) == {params_digest(MusicFeatures())}


def test_resume_still_refuses_a_change_of_values(tmp_path):
    root = _folder(tmp_path / "music", ["A/a.wav"])
    out = tmp_path / "feat.csv"
    extract_folder(root, out, extractor=MusicFeatures(engine="whole"), jobs=1, progress=False)
    with pytest.raises(ResumeMismatchError, match="hop_length"):
        extract_folder(
            root, out, extractor=MusicFeatures(hop_length=256), resume=True, jobs=1, progress=False
        )


def test_resume_accepts_a_table_digested_the_old_way_and_relabels_it(tmp_path):
    """Tables of 0.3 carry a digest with engine and max_duration in it: a resume takes today's digest."""
    root = _folder(tmp_path / "music", ["A/a.wav"])
    out = tmp_path / "feat.csv"
    extract_folder(root, out, extractor=MusicFeatures(), jobs=1, progress=False)
    old = legacy_digest(MusicFeatures(engine="whole"))
    assert old != params_digest(MusicFeatures())
    text = out.read_text().replace(params_digest(MusicFeatures()), old)
    out.write_text(text)
    meta = json.loads((tmp_path / "feat.csv.meta.json").read_text())
    meta["params"].update(engine="whole", max_duration=14400.0)
    (tmp_path / "feat.csv.meta.json").write_text(json.dumps(meta))
    _folder(root, ["B/b.wav"])
    summary = extract_folder(root, out, resume=True, jobs=1, progress=False)
    assert (summary.done, summary.skipped) == (1, 1)
    _, _, _, table = load_features(out)
    assert set(table["params_digest"]) == {params_digest(MusicFeatures())}
    # and a second resume, whose metadata no longer records the engine, is accepted too
    assert extract_folder(root, out, resume=True, jobs=1, progress=False).skipped == 2
