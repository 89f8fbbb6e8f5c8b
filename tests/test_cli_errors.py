"""The command line under hostile input (issue 9, 12).

``musicfeat features`` with names that hold a line feed.
"""

import io
import os

import pytest
import soundfile as sf
from helpers import SR, tone

from musicfeat.cli import main

# ---------------------------------------------------------------- musicfeat features


@pytest.mark.skipif(os.name != "posix", reason="a line feed in a file name is POSIX's")
def test_a_newline_in_a_file_name_cannot_inject_a_line(tmp_path):
    path = tmp_path / "fake\nzero_crossing_rate_mean 999.wav"
    sf.write(path, tone(440, 1.0), SR)
    out = io.StringIO()
    assert main(["features", "--include", "zero_crossings", str(path)], out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == f"# {tmp_path}/fake\\x0azero_crossing_rate_mean 999.wav: 2 features, feature set 419.1"
    assert [line.split()[0] for line in lines[1:]] == ["zero_crossing_rate_mean", "zero_crossing_rate_std"]
