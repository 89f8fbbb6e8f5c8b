"""The table format under hostile names (issue 9, items 2, 9, 16).

Names: any byte a POSIX file system allows in a name goes through CSV and
Parquet, ``load_features`` and ``--resume`` unchanged, and no cell starts a
spreadsheet formula.
"""

import csv
import io
import os

import numpy as np
import pytest
import soundfile as sf
from helpers import SR, tone
from hypothesis import given, settings
from hypothesis import strategies as st

from musicfeat import MusicFeatures, extract_folder, load_features
from musicfeat.feature_table import table_paths
from musicfeat.table_text import csv_line, decode_text, encode_text, printable

posix_names = pytest.mark.skipif(os.name != "posix", reason="names of arbitrary bytes are POSIX's")

#: Names as bytes, as a POSIX file system allows them: every one must come back.
HOSTILE_NAMES = [
    b"carriage\rreturn.wav",
    b"line\nfeed.wav",
    b'comma, and "quotes".wav',
    b"=HYPERLINK(1).wav",
    b"+1.wav",
    b"-2.wav",
    b"@SUM.wav",
    b"'quoted.wav",
    b"back\\slash \\x41.wav",
    b"latin-1 caf\xe9.wav",
    b"\xff\xfe not utf-8.wav",
    b"tab\there.wav",
    b"na\xc3\xafve \xe2\x80\xa8 separator.wav",
]


# ---------------------------------------------------------------- the encoding itself


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40).map(os.fsdecode) | st.text(max_size=40))
def test_any_name_round_trips_through_a_cell(name):
    cell = encode_text(name)
    assert decode_text(cell) == name
    cell.encode("utf-8")  # valid UTF-8: no surrogate left
    assert not any(c in cell for c in "\r\n\x00\u2028\u2029\x85")
    assert not cell.startswith(("=", "+", "-", "@")), "a spreadsheet would run it"
    assert "\n" not in printable(name) and "\r" not in printable(name)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=6))
def test_a_csv_line_reads_back_as_its_cells(cells):
    line = csv_line(cells).decode("utf-8")
    assert line.endswith("\n")
    assert next(csv.reader(io.StringIO(line, newline=""))) == cells


def test_a_bare_carriage_return_is_quoted():
    # csv.writer(lineterminator="\n") leaves it bare on Python 3.10-3.12, which splits the record
    assert csv_line(["a\rb", "c"]) == b'"a\rb",c\n'


# ---------------------------------------------------------------- names through whole runs


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory):
    """One label folder with a hostile name, holding a clip under each hostile name."""
    root = tmp_path_factory.mktemp("hostile")
    label = os.path.join(os.fsencode(root), b"-=label\r\xff")
    os.mkdir(label)
    for k, name in enumerate(HOSTILE_NAMES):
        with open(os.path.join(label, name), "wb") as f:
            sf.write(f, tone(220 + 40 * k, 1.0), SR, format="WAV")
    return root


@posix_names
@pytest.mark.parametrize("ext, jobs", [(".csv", 2), (".parquet", 1)])
def test_hostile_names_survive_extraction_and_resume(hostile_folder, tmp_path, ext, jobs):
    if ext == ".parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"features{ext}"
    summary = extract_folder(hostile_folder, out, jobs=jobs, progress=False)
    assert (summary.done, summary.failed) == (len(HOSTILE_NAMES), 0), summary.failures
    X, y, _, table = load_features(out)
    label = os.fsdecode(b"-=label\r\xff")
    expected = sorted(label + "/" + os.fsdecode(name) for name in HOSTILE_NAMES)
    assert sorted(table["path"]) == expected, "every name exactly"
    assert set(y) == {label}
    # rows equal MusicFeatures on the same files, opened by their bytes
    files = [os.path.join(os.fsencode(hostile_folder), os.fsencode(p)) for p in table["path"]]
    waveforms = [sf.read(f, dtype="float32")[0] for f in files]  # soundfile takes bytes paths
    np.testing.assert_array_equal(X, MusicFeatures().fit_transform(waveforms))
    # and a resume finds every row again
    again = extract_folder(hostile_folder, out, jobs=1, resume=True, progress=False)
    assert (again.done, again.skipped) == (0, len(HOSTILE_NAMES))
    assert sorted(load_features(out)[3]["path"]) == expected


@posix_names
def test_the_written_csv_is_utf8_one_line_per_track_and_formula_free(hostile_folder, tmp_path):
    out = tmp_path / "features.csv"
    extract_folder(hostile_folder, out, jobs=1, progress=False)
    text = out.read_bytes().decode("utf-8")  # valid UTF-8
    lines = text.splitlines()
    assert len(lines) == 1 + len(HOSTILE_NAMES), "no name splits a line, for any line-based tool"
    for row in csv.reader(io.StringIO(text, newline="")):
        assert not any(cell.startswith(("=", "+", "@")) for cell in row[:2])
        assert not row[0].startswith("-") and not row[1].startswith("-")
    assert "\n'-=label\\x0d\\xff/=HYPERLINK(1).wav," in text


@posix_names
def test_failures_with_hostile_names_are_recorded_losslessly(tmp_path):
    root = tmp_path / "music"
    os.makedirs(os.path.join(os.fsencode(root), b"A"))
    bad = os.path.join(os.fsencode(root), b"A", b"=bad\n\xfe.wav")
    with open(bad, "wb") as f:
        f.write(b"not audio at all")
    summary = extract_folder(root, tmp_path / "f.csv", jobs=1, progress=False)
    assert summary.failed == 1 and summary.failures[0][0] == "A/" + os.fsdecode(b"=bad\n\xfe.wav")
    with open(tmp_path / "f.errors.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 2 and decode_text(rows[1][0]) == summary.failures[0][0]
    assert rows[1][0] == "A/=bad\\x0a\\xfe.wav"


# ---------------------------------------------------------------- Parquet, resumed


def test_resuming_a_parquet_table_keeps_its_numbers(tmp_path):
    """Its rows went back to CSV as 'np.float64(0.1)' cells, which load_features then dropped."""
    pytest.importorskip("pyarrow")
    root = tmp_path / "music"
    root.mkdir()
    sf.write(root / "a.wav", tone(330, 1.0), SR)
    out = tmp_path / "f.parquet"
    extract_folder(root, out, jobs=1, progress=False)
    sf.write(root / "b.wav", tone(440, 1.0), SR)
    summary = extract_folder(root, out, jobs=1, resume=True, progress=False)
    assert (summary.done, summary.skipped) == (1, 1)
    X, _, names, table = load_features(out)
    assert len(names) == 419 and list(table["path"]) == ["a.wav", "b.wav"]
    np.testing.assert_array_equal(
        X, MusicFeatures().fit_transform([str(root / "a.wav"), str(root / "b.wav")])
    )
    assert not os.path.exists(table_paths(out).rows)
