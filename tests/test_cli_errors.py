"""The command line under hostile input: one clear line and exit 2, never a traceback (issue 9, 12).

``musicfeat features`` into a closed pipe, names that hold a line feed,
files named as the user typed them; ``musicfeat report`` with an output it
cannot write, labels that look like numbers, a compressed table, and
missing optional packages.
"""

import io
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from helpers import SR, tone

from musicfeat.cli import main
from musicfeat.datasets import example_audio

#: The tests extract clips of one second by design: the one DegenerateFeatureWarning a run gives is
#: expected here (tests/test_hostile.py tests that it is one, and that it costs no file).
pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")


def _table(path, labels, seed=0):
    """A small feature table: 12 tracks per label, two informative features."""
    rng = np.random.default_rng(seed)
    lines = ["path,label,f1,f2"]
    for k, label in enumerate(labels):
        for i in range(12):
            f1, f2 = rng.normal(3 * k, 1), rng.normal(0, 1)
            lines.append(f"{label}/{i}.wav,{label},{f1!r},{f2!r}")
    path.write_text("\n".join(lines) + "\n")
    return path


# ---------------------------------------------------------------- musicfeat features


def test_features_into_a_closed_pipe_ends_quietly():
    proc = subprocess.Popen(
        [sys.executable, "-m", "musicfeat", "features", example_audio()],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # What `| head -1` does, made certain: the reader is gone before the
    # features are printed (reading a line first races with the whole output
    # fitting in the pipe's buffer).
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 1, err
    assert err == "", "no BrokenPipeError, no traceback"


@pytest.mark.skipif(os.name != "posix", reason="a line feed in a file name is POSIX's")
def test_a_newline_in_a_file_name_cannot_inject_a_line(tmp_path):
    path = tmp_path / "fake\nzero_crossing_rate_mean 999.wav"
    sf.write(path, tone(440, 1.0), SR)
    out = io.StringIO()
    assert main(["features", "--include", "zero_crossings", str(path)], out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == f"# {tmp_path}/fake\\x0azero_crossing_rate_mean 999.wav: 2 features, feature set 419.1"
    assert [line.split()[0] for line in lines[1:]] == ["zero_crossing_rate_mean", "zero_crossing_rate_std"]


def test_a_file_that_fails_is_named_as_typed_not_as_x0(tmp_path, capsys):
    bad = tmp_path / "not audio.wav"
    bad.write_text("hello")
    assert main(["features", str(bad)], out=io.StringIO()) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"musicfeat: {bad}: could not decode audio") and "X[0]" not in err


# ---------------------------------------------------------------- musicfeat report


@pytest.mark.parametrize(
    "where, match",
    [
        ("missing/report.html", "missing: no such folder for the report"),
        ("folder", "folder: is a folder: name the HTML file to write"),
    ],
)
def test_report_into_an_output_it_cannot_write_is_refused_first(tmp_path, capsys, where, match):
    table = _table(tmp_path / "t.csv", ["A", "B"])
    (tmp_path / "folder").mkdir()
    assert main(["report", str(table), "-o", str(tmp_path / where), "--no-tsne"]) == 2
    err = capsys.readouterr().err
    assert err == f"musicfeat: error: {tmp_path}/{match}\n"


def test_report_png_naming_a_file_is_refused(tmp_path, capsys):
    table = _table(tmp_path / "t.csv", ["A", "B"])
    (tmp_path / "figures").write_text("a file")
    assert (
        main(["report", str(table), "-o", str(tmp_path / "r.html"), "--png", str(tmp_path / "figures")]) == 2
    )
    assert capsys.readouterr().err == (
        f"musicfeat: error: {tmp_path}/figures: is a file: name a folder for the PNG figures\n"
    )
    assert not (tmp_path / "r.html").exists()


def test_report_of_a_table_with_duplicate_columns_is_one_line(tmp_path, capsys):
    table = tmp_path / "dup.csv"
    table.write_text("label,f1,f1\nA,1,2\nB,3,4\n")
    assert main(["report", str(table), "-o", str(tmp_path / "r.html")]) == 2
    assert capsys.readouterr().err == (
        f"musicfeat: error: {str(table)!r} has duplicate column names: 'f1' (columns 2 and 3). Rename them.\n"
    )


def test_report_of_labels_that_look_like_numbers(tmp_path, capsys):
    table = _table(tmp_path / "decades.csv", ["1960", "1970", "0"])
    assert main(["report", str(table), "-o", str(tmp_path / "r.html"), "--no-tsne"]) == 0, (
        capsys.readouterr().err
    )
    page = (tmp_path / "r.html").read_text()
    assert "1960" in page and "1970" in page


def test_report_of_names_that_are_not_utf8(tmp_path, capsys):
    """Names come back from the table as str with surrogate escapes; the page shows them escaped."""
    from musicfeat.feature_table import METADATA_COLUMNS

    rng = np.random.default_rng(0)
    lines = [",".join(METADATA_COLUMNS) + ",f1,f2"]
    for k, label in enumerate(["caf\\xe9", "'=1+1"]):
        for i in range(12):
            lines.append(
                f"{label}/{i}\\xff.wav,{label},1.0,419.1,abc,d1,{rng.normal(3 * k)!r},{rng.normal()!r}"
            )
    table = tmp_path / "t.csv"
    table.write_text("\n".join(lines) + "\n")
    assert main(["report", str(table), "-o", str(tmp_path / "r.html"), "--no-tsne"]) == 0, (
        capsys.readouterr().err
    )
    page = (tmp_path / "r.html").read_text()
    assert "<th>caf\\xe9</th>" in page and "<th>=1+1</th>" in page  # decoded, then shown escaped


def test_report_reads_a_compressed_table(tmp_path, capsys):
    import lzma

    plain = _table(tmp_path / "t.csv", ["A", "B"])
    packed = tmp_path / "t.csv.xz"
    packed.write_bytes(lzma.compress(plain.read_bytes()))
    assert main(["report", str(packed), "-o", str(tmp_path / "r.html"), "--no-tsne"]) == 0
    assert "accuracy" in capsys.readouterr().err


@pytest.mark.parametrize(
    "missing, argv_tail, message",
    [
        ("bokeh", [], 'The report needs bokeh, which is not installed: pip install "musicfeat[report]"'),
        (
            "pandas",
            [],
            'Reading a feature table needs pandas, which is not installed: pip install "musicfeat[pandas]"',
        ),
    ],
)
def test_a_missing_optional_package_names_its_extra(
    tmp_path, capsys, monkeypatch, missing, argv_tail, message
):
    table = _table(tmp_path / "t.csv", ["A", "B"])
    monkeypatch.setitem(sys.modules, missing, None)
    assert main(["report", str(table), "-o", str(tmp_path / "r.html"), *argv_tail]) == 2
    assert capsys.readouterr().err == f"musicfeat: error: {message}\n"


def test_features_says_a_warning_on_one_line_naming_the_file(tmp_path, capsys):
    path = tmp_path / "short.wav"
    sf.write(path, tone(440, 1.0), SR)
    assert main(["features", str(path)], out=io.StringIO()) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("compiling")]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"musicfeat: {path}: warning: Degenerate features: tempo_bpm"), lines


def test_engine_from_the_command_line_gives_the_same_features(tmp_path, capsys):
    path = tmp_path / "tone.wav"
    sf.write(path, tone(440, 3.0), SR)
    printed = {}
    for engine in ("stream", "whole"):
        out = io.StringIO()
        assert main(["features", str(path), "--engine", engine], out=out) == 0
        printed[engine] = out.getvalue()
    assert printed["stream"] == printed["whole"]
    assert main(["features", str(path), "--engine", "fast"], out=io.StringIO()) == 2
    assert "invalid choice: 'fast'" in capsys.readouterr().err


# ---------------------------------------------------------------- issue 18: limits, full devices, long cells


@pytest.fixture
def one_track(tmp_path):
    root = tmp_path / "music"
    (root / "a").mkdir(parents=True)
    sf.write(root / "a" / "tone.wav", tone(440, 1.0), SR)
    return root


@pytest.mark.parametrize("timeout", ["inf", "1e308"])
def test_a_timeout_of_inf_or_a_huge_one_runs_without_limit(one_track, tmp_path, timeout):
    out = tmp_path / "f.csv"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "musicfeat",
            "extract",
            str(one_track),
            "-o",
            str(out),
            "--timeout",
            timeout,
            "--jobs",
            "2",
            "-q",
        ],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert len(out.read_text().splitlines()) == 2  # the header and the track's row


@pytest.mark.parametrize("timeout", ["nan", "-1"])
def test_a_timeout_that_is_no_number_of_seconds_is_a_usage_error(one_track, tmp_path, capsys, timeout):
    assert main(["extract", str(one_track), "-o", str(tmp_path / "f.csv"), "--timeout", timeout]) == 2
    assert "--timeout must be a number of seconds, 0 or inf for none" in capsys.readouterr().err
    assert not (tmp_path / "f.csv").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="a full device: Linux's /dev/full")
def test_features_into_a_full_device_is_one_line_and_status_2(one_track):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "musicfeat", "features", str(one_track / "a" / "tone.wav")],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    lines = [
        line for line in result.stderr.splitlines() if "warning:" not in line and "compiling" not in line
    ]
    assert result.returncode == 2 and lines == [
        "musicfeat: error: cannot write the output: No space left on device"
    ]


def test_report_reads_a_cell_longer_than_the_csv_module_s_default_limit(tmp_path, capsys):
    table = _table(tmp_path / "long.csv", ["A", "B"])
    lines = table.read_text().splitlines()
    lines[1] = "x" * 200_000 + lines[1][lines[1].index(",") :]  # a path of 200,000 characters
    table.write_text("\n".join(lines) + "\n")
    assert main(["report", str(table), "-o", str(tmp_path / "r.html"), "--no-tsne"]) == 0, (
        capsys.readouterr().err
    )


def test_unknown_labels_are_listed_as_plain_strings(tmp_path, capsys):
    table = _table(tmp_path / "t.csv", ["nutcracker", "jazz"])
    assert main(["report", str(table), "-o", str(tmp_path / "r.html"), "--labels", "strings,jazz"]) == 2
    assert capsys.readouterr().err == (
        "musicfeat: error: labels: ['strings'] not among the table's labels ['jazz', 'nutcracker'].\n"
    )


def test_resume_with_another_feature_set_says_so_both_ways(one_track, tmp_path, capsys):
    talk, extended = tmp_path / "talk.csv", tmp_path / "extended.csv"
    assert main(["extract", str(one_track), "-o", str(talk), "-j", "1", "-q"]) == 0
    small = ["--feature-set", "extended", "--vlad-clusters", "2"]
    assert main(["extract", str(one_track), "-o", str(extended), "-j", "1", "-q", *small]) == 0
    capsys.readouterr()
    assert main(["extract", str(one_track), "-o", str(talk), "-j", "1", "-q", "--resume", *small]) == 2
    err = capsys.readouterr().err
    assert "extracted with feature set 'talk419' (version '419.1')" in err and "--feature-set talk419" in err
    assert "missing" not in err
    assert main(["extract", str(one_track), "-o", str(extended), "-j", "1", "-q", "--resume"]) == 2
    err = capsys.readouterr().err
    assert "extracted with feature set 'extended' (version 'extended.1')" in err
    assert "add --feature-set extended" in err


@pytest.mark.skipif("MP3" not in sf.available_formats(), reason="libsndfile without MP3")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_quiet_silences_the_decoder_s_notes(tmp_path, jobs):
    root = tmp_path / "music"
    (root / "a").mkdir(parents=True)
    sf.write(root / "a" / "t.mp3", tone(440, 3.0), SR, format="MP3")
    data = bytearray((root / "a" / "t.mp3").read_bytes())
    data[len(data) // 3 : len(data) // 3 + 400] = b"\x55" * 400  # mpg123 says "Note: ... Trying to resync"
    (root / "a" / "t.mp3").write_bytes(bytes(data))

    def run(*options):
        out = tmp_path / f"f{len(options)}{jobs}.csv"
        command = [sys.executable, "-m", "musicfeat", "extract", str(root), "-o", str(out), "-j", jobs]
        return subprocess.run([*command, *options], capture_output=True, text=True)

    loud = run()
    if "Note:" not in loud.stderr:
        pytest.skip("this mpg123 says nothing of the damage")
    quiet = run("-q")
    assert quiet.returncode == loud.returncode and quiet.stderr == ""


def test_verify_reaches_extract_folder_when_it_takes_it(one_track, tmp_path, monkeypatch):
    import musicfeat.batch
    from musicfeat.batch import BatchSummary

    received = {}

    def extract_folder(root, output, *, verify=False, **options):
        received["verify"] = verify
        return BatchSummary(output_path=str(output))

    monkeypatch.setattr(musicfeat.batch, "extract_folder", extract_folder)
    out = str(tmp_path / "f.csv")
    assert main(["extract", str(one_track), "-o", out, "-q", "--resume", "--verify"]) == 0
    assert received == {"verify": True}
    assert main(["extract", str(one_track), "-o", out, "-q", "--resume"]) == 0
    assert received == {"verify": False}


def test_a_damaged_fitted_file_is_one_line_naming_it(one_track, tmp_path, capsys):
    good = tmp_path / "good.npz"
    assert main(["extract", str(one_track), "-o", str(tmp_path / "f.csv"), "-j", "1", "-q",
                 "--feature-set", "extended", "--vlad-clusters", "2"]) == 0  # fmt: skip
    good.write_bytes((tmp_path / "f.csv.fitted.npz").read_bytes())
    listed = tmp_path / "listed.npz"
    with np.load(good) as data:
        arrays = {key: data[key] for key in data.files}
    np.savez(listed, **{**arrays, "signature": np.array('["extended.1", {}]')})
    cases = {"empty.npz": b"", "cut.npz": good.read_bytes()[:500], "listed.npz": listed.read_bytes()}
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        capsys.readouterr()
        command = ["extract", str(one_track), "-o", str(tmp_path / "g.csv"), "--feature-set", "extended"]
        assert main([*command, "--vlad-clusters", "2", "--fitted", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"musicfeat: error: {path}: "), err
