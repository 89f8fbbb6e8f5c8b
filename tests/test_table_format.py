"""The table format under hostile names and hostile files (issue 9, items 2, 3, 9, 13, 16; issue 12, item 13).

Names: any byte a POSIX file system allows in a name goes through CSV and
Parquet, ``load_features`` and ``--resume`` unchanged, and no cell starts a
spreadsheet formula. Files: a table that does not parse as its schema is
refused naming the line and the column; a byte-order mark, a compressed
table and a label column of numbers are read.
"""

import csv
import gzip
import io
import os
import sys

import numpy as np
import pytest
import soundfile as sf
from helpers import SR, tone
from hypothesis import given, settings
from hypothesis import strategies as st

from musicfeat import MusicFeatures, extract_folder, load_features
from musicfeat.cli import main
from musicfeat.feature_table import METADATA_COLUMNS, table_paths
from musicfeat.table_text import TableFormatError, csv_line, decode_text, encode_text, printable

#: The tests extract clips of one second by design: the one DegenerateFeatureWarning a run gives is
#: expected here (tests/test_hostile.py tests that it is one, and that it costs no file).
pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")

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
    assert list(table["path"]) == expected, "every name exactly, in path order"
    assert set(y) == {label}
    # rows equal MusicFeatures on the same files, opened by their bytes
    files = [os.path.join(os.fsencode(hostile_folder), os.fsencode(p)) for p in table["path"]]
    waveforms = [sf.read(f, dtype="float32")[0] for f in files]  # soundfile takes bytes paths
    np.testing.assert_array_equal(X, MusicFeatures().fit_transform(waveforms))
    # and a resume finds every row again
    again = extract_folder(hostile_folder, out, jobs=1, resume=True, progress=False)
    assert (again.done, again.skipped, again.kept_missing) == (0, len(HOSTILE_NAMES), 0)
    assert list(load_features(out)[3]["path"]) == expected


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
    with open(tmp_path / "f.csv.errors.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 2 and decode_text(rows[1][0]) == summary.failures[0][0]
    assert rows[1][0] == "A/=bad\\x0a\\xfe.wav"


# ---------------------------------------------------------------- tables that do not parse


def _musicfeat_table(path, rows):
    header = ",".join(METADATA_COLUMNS) + ",f1,f2\n"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


GOOD_ROW = "a.wav,A,1.0,419.1,abc,d1,0.5,1.5\n"


@pytest.mark.parametrize(
    "row, match",
    [
        ("b.wav,B,1.0,419.1,abc,d1,0.5\n", r"line 3: 7 cells where the header has 8"),
        (
            "b.wav,B,1.0,419.1,abc,d1,0.5,oops\n",
            r"line 3, column 'f2': 'oops', which is not a number, in a column of numbers",
        ),
        ("b.wav,B,1.0,419.1,abc,d1,,1.5\n", r"line 3, column 'f1': an empty cell, in a column of numbers"),
        (
            "b.wav,B,long,419.1,abc,d1,0.5,1.5\n",
            r"line 3, column 'duration_s': 'long', which is not a number",
        ),
    ],
)
def test_a_musicfeat_table_that_breaks_its_schema_is_refused(tmp_path, row, match):
    path = _musicfeat_table(tmp_path / "t.csv", [GOOD_ROW, row, GOOD_ROW])
    with pytest.raises(TableFormatError, match=match):
        load_features(path)


def test_a_foreign_column_of_numbers_with_one_word_is_refused_not_dropped(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("song,artist,tempo\nx,A,120\ny,B,n/a\nz,A,99\nw,B,101\n")
    with pytest.raises(TableFormatError, match=r"line 3, column 'tempo': 'n/a', which is not a number"):
        load_features(path, label_column="artist")
    path.write_text("song,artist,tempo\nx,A,120\ny,B,\nz,A,99\n")  # a missing value is NaN
    X, _, names, _ = load_features(path, label_column="artist")
    assert names == ["tempo"] and np.isnan(X[1, 0])


def test_a_foreign_column_mostly_of_words_is_refused_not_dropped(tmp_path):
    """Issue 18, 6: 'NA' in two of three cells took 'tempo' for text, and dropped it without a word."""
    path = tmp_path / "other.csv"
    path.write_text("label,tempo,loud\nx,1,2\ny,NA,4\nz,NA,5\n")
    with pytest.raises(
        TableFormatError,
        match=r"line 3, column 'tempo': 'NA', which is not a number, in a column that holds numbers too "
        r"\(line 2: '1'\)",
    ):
        load_features(path)
    path.write_text("label,tempo,loud\nx,1,2\ny,,4\nz,,5\n")  # missing values as empty cells: NaN
    X, _, names, _ = load_features(path)
    assert names == ["tempo", "loud"] and np.isnan(X[1:, 0]).all()


def test_a_column_of_names_some_of_which_are_numbers_is_read_as_text_when_named(tmp_path):
    path = tmp_path / "songs.csv"
    path.write_text("label,title,tempo\nA,Intro,1\nB,Outro,2\nA,1999,3\n")
    with pytest.raises(TableFormatError, match=r"column 'title': 'Intro'.*\(line 4: '1999'\).*text_columns"):
        load_features(path)
    X, _, names, table = load_features(path, text_columns=("title",))
    assert names == ["tempo"] and list(table["title"]) == ["Intro", "Outro", "1999"]


def test_a_foreign_table_without_a_column_of_numbers_is_refused_naming_its_columns(tmp_path):
    path = tmp_path / "hex.csv"
    path.write_text("label,h\nx,ff\ny,1a\n")
    with pytest.raises(TableFormatError, match=r"no column of numbers to use as features: 'h' hold text"):
        load_features(path)


def test_a_foreign_short_row_is_refused_and_a_last_line_without_newline_is_kept(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("song,artist,tempo\nx,A,120\ny,B\n")
    with pytest.raises(TableFormatError, match=r"line 3: 2 cells where the header has 3"):
        load_features(path, label_column="artist")
    path.write_text("song,artist,tempo\nx,A,120\ny,B,99")
    assert load_features(path, label_column="artist")[0].tolist() == [[120.0], [99.0]]


def test_a_cut_last_line_of_a_musicfeat_table_is_dropped(tmp_path):
    path = _musicfeat_table(tmp_path / "t.csv", [GOOD_ROW, GOOD_ROW.replace("a.wav", "b.wav")[:-4]])
    X, _, _, table = load_features(path)
    assert list(table["path"]) == ["a.wav"]


def test_duplicate_column_names_are_refused_by_name(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("label,tempo,tempo\nA,1,2\n")
    with pytest.raises(TableFormatError, match=r"duplicate column names: 'tempo' \(columns 2 and 3\)"):
        load_features(path)


def test_a_byte_order_mark_is_read_and_other_encodings_are_named(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufefflabel,tempo\nA,1\nB,2\n".encode("utf-8"))
    X, y, names, _ = load_features(path)
    assert names == ["tempo"] and list(y) == ["A", "B"]
    path.write_bytes("label,tempo\nCaf\xe9,1\n".encode("latin-1"))
    with pytest.raises(TableFormatError, match=r"line 2: not UTF-8 text \(byte 0xe9\)"):
        load_features(path)


def test_labels_that_look_like_numbers_stay_text(tmp_path):
    path = tmp_path / "decades.csv"
    path.write_text("label,tempo\n1960,1\n1970,2\n0,3\n")
    _, y, names, _ = load_features(path)
    assert list(y) == ["1960", "1970", "0"] and names == ["tempo"]


def test_load_features_without_pandas_names_its_extra(tmp_path, monkeypatch):
    from musicfeat._optional import MissingExtraError

    table = tmp_path / "t.csv"
    table.write_text("label,tempo\nA,1\n")
    for name in [m for m in sys.modules if m == "pandas" or m.startswith("pandas.")]:
        monkeypatch.setitem(sys.modules, name, None)  # as if never installed, submodules too
    with pytest.raises(MissingExtraError, match=r'pip install "musicfeat\[pandas\]"'):
        load_features(table)


@pytest.mark.parametrize(
    "cell, what",
    [
        ("nan", "'nan', which is not a finite number"),
        ("", "an empty cell"),
        ("-inf", "'-inf', which is not a finite number"),
    ],
)
def test_a_feature_cell_that_is_not_finite_is_refused_naming_line_and_column(tmp_path, capsys, cell, what):
    table = tmp_path / "t.csv"
    table.write_text(f"label,tempo,loud\nA,1,2\nB,{cell},3\n")
    refused = rf"line 3, column 'tempo': {what}, in a column of features"
    with pytest.raises(TableFormatError, match=refused):
        load_features(table, finite=True)
    assert main(["report", str(table), "-o", str(tmp_path / "r.html")]) == 2
    assert __import__("re").search(refused, capsys.readouterr().err)
    assert not np.isfinite(load_features(table)[0][1, 0]), "a missing value, by default"


def test_a_musicfeat_table_holding_nan_is_refused(tmp_path):
    root = tmp_path / "music" / "A"
    root.mkdir(parents=True)
    sf.write(root / "a.wav", tone(440, 1.0), SR)
    out = tmp_path / "features.csv"
    extract_folder(tmp_path / "music", out, jobs=1, progress=False)
    header, row = out.read_text().splitlines()
    cells = row.split(",")
    cells[-1] = "nan"
    out.write_text(header + "\n" + ",".join(cells) + "\n")
    last = header.split(",")[-1]
    with pytest.raises(
        TableFormatError, match=rf"line 2, column '{last}': 'nan', which is not a finite number"
    ):
        load_features(out)


# ---------------------------------------------------------------- compressed tables


@pytest.mark.parametrize("ext", [".gz", ".xz", ".bz2"])
def test_compressed_tables_read_like_the_plain_one(tmp_path, ext):
    import bz2
    import lzma

    plain = tmp_path / "t.csv"
    plain.write_text("label,tempo,loudness\nA,120.5,-3\nB,99,-7.5\n")
    packed = tmp_path / f"t.csv{ext}"
    packed.write_bytes({".gz": gzip, ".xz": lzma, ".bz2": bz2}[ext].compress(plain.read_bytes()))
    a, b = load_features(plain), load_features(packed)
    np.testing.assert_array_equal(a[0], b[0])
    assert list(a[1]) == list(b[1]) and a[2] == b[2]
    packed.write_bytes(packed.read_bytes()[:20])
    with pytest.raises(TableFormatError, match="not a readable compressed file"):
        load_features(packed)


def test_the_shipped_talk_table_reads_directly():
    from importlib import resources

    from musicfeat.datasets import load_talk_features

    path = resources.files("musicfeat.datasets").joinpath("data", "talk_features_247.csv.xz")
    X, y, names, _ = load_features(path)
    X_ref, y_ref, names_ref, _ = load_talk_features()
    assert X.shape == (2333, 247) and names == names_ref
    np.testing.assert_array_equal(X, X_ref)
    assert list(y) == list(y_ref)


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


def test_load_features_reads_a_cell_longer_than_csv_s_default_limit_and_restores_it(tmp_path):
    """Issue 18, item 10: a 200,000-character name is a cell like any other."""
    path = tmp_path / "long.csv"
    name = "x" * 200_000
    path.write_text(f"label,track,tempo\na,{name},1.5\nb,short,2.5\n", encoding="utf-8")
    before = csv.field_size_limit()
    X, y, names, table = load_features(path, label_column="label")
    assert csv.field_size_limit() == before
    assert names == ["tempo"] and list(y) == ["a", "b"]
    assert table["track"][0] == name
