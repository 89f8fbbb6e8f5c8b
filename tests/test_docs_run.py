"""Every shell and Python block of README.md and the tutorials runs as written.

Each document's blocks run in order, in a fresh folder, the way a reader
would type them: Python blocks in one interpreter (later blocks use earlier
blocks' names), shell blocks with bash, failing on the first error. The
reader's home holds a small music collection (``~/music``, one folder per
artist) cut from librosa's example recordings, and ``LIBROSA_DATA_DIR``
points at those recordings.

A block that cannot run here carries, on the line before its fence, a
visible marker with its reason::

    <!-- docs-test: skip: REASON -->     not executed (e.g. an install command)
    <!-- docs-test: xfail: REASON -->    executed, and must fail (a known bug)

An ``xfail`` block that starts working fails this test, so its marker goes
once the bug is fixed. Markers must stay rare.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile

ROOT = Path(__file__).parent.parent
DOCUMENTS = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs/tutorials").glob("*.md"))]
LANGUAGES = {"python": "python", "bash": "bash", "sh": "bash", "shell": "bash"}
MARKER = re.compile(r"<!--\s*docs-test:\s*(skip|xfail):\s*(.+?)\s*-->")
MAX_MARKERS = 4

#: What a reader has already defined before README's first example:
#: their audio files and one label per file (here the collection in ~/music).
README_PREAMBLE = """
import glob, os
paths = sorted(glob.glob(os.path.expanduser("~/music/*/*.wav")))
artists = [os.path.basename(os.path.dirname(p)) for p in paths]
"""


def blocks(path):
    """``(line, language, code, marker)`` of each fenced block, marker ``(kind, reason)`` or None."""
    lines = (ROOT / path).read_text().splitlines()
    found, i = [], 0
    while i < len(lines):
        fence = re.match(r"^```(\w*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = MARKER.search(previous)
        found.append(
            (i + 1, fence.group(1), "\n".join(lines[i + 1 : end]), marker and (marker[1], marker[2]))
        )
        i = end + 1
    return found


def _music_collection(home, example):
    """~/music: five 2.5-s clips per 'artist', cut from librosa's example recordings."""
    sources = {"AvrilLavigne": "nutcracker", "TaylorSwift": "vibeace", "Classical": "brahms"}
    for artist, key in sources.items():
        y = example(key, duration=12.5)
        folder = home / "music" / artist
        folder.mkdir(parents=True)
        for k in range(5):
            clip = y[k * 55125 : (k + 1) * 55125]  # 2.5 s at 22,050 Hz
            soundfile.write(folder / f"{key}_{k}.wav", np.ascontiguousarray(clip), 22050)


DRIVER = textwrap.dedent(
    """
    import json, subprocess, sys, traceback
    steps = json.load(open(sys.argv[1]))
    namespace = {"__name__": "__main__"}
    for step in steps:
        try:
            if step["language"] == "python":
                exec(compile(step["code"], step["where"], "exec"), namespace)
            else:
                subprocess.run(["bash", "-euo", "pipefail", "-c", step["code"]], check=True)
            outcome = "ok"
        except BaseException:
            traceback.print_exc()
            outcome = "failed"
        print("DOCS-TEST", json.dumps({"where": step["where"], "outcome": outcome}), flush=True)
        if outcome == "failed" and step["expect"] == "ok":
            break
    """
)


def _environment(home):
    import platformdirs

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env.update(
        HOME=str(home),
        # the kernels compiled by the test run itself, not a cold cache in the new home
        XDG_CACHE_HOME=env.get("XDG_CACHE_HOME", str(Path(platformdirs.user_cache_dir()))),
        MPLBACKEND="Agg",
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
    )
    return env


def test_markers_are_rare_and_give_a_reason():
    markers = [(doc, line, m) for doc in DOCUMENTS for line, _, _, m in blocks(doc) if m]
    assert len(markers) <= MAX_MARKERS, markers
    assert all(len(reason) > 15 for _, _, (_, reason) in markers)
    runnable = [b for doc in DOCUMENTS for b in blocks(doc) if b[1] in LANGUAGES]
    assert len(runnable) >= 15, "did the block syntax change?"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_document_runs_as_written(document, tmp_path, example):
    home = tmp_path / "home"
    home.mkdir()
    _music_collection(home, example)
    work = tmp_path / "work"
    work.mkdir()
    steps = []
    if document == "README.md":
        steps.append(
            {"where": "README preamble", "language": "python", "code": README_PREAMBLE, "expect": "ok"}
        )
    for line, language, code, marker in blocks(document):
        if language not in LANGUAGES or (marker and marker[0] == "skip"):
            continue
        expect = "failed" if marker else "ok"
        steps.append(
            {"where": f"{document}:{line}", "language": LANGUAGES[language], "code": code, "expect": expect}
        )
    (tmp_path / "steps.json").write_text(json.dumps(steps))
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(tmp_path / "steps.json")],
        cwd=work,
        env=_environment(home),
        capture_output=True,
        text=True,
        timeout=900,
    )
    outcomes = [json.loads(line[10:]) for line in done.stdout.splitlines() if line.startswith("DOCS-TEST ")]
    log = f"{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    assert len(outcomes) == len(steps), f"the driver stopped early:\n{log}"
    for step, outcome in zip(steps, outcomes, strict=True):
        if step["expect"] == "ok":
            assert outcome["outcome"] == "ok", f"{step['where']} failed:\n{log}"
        else:
            assert outcome["outcome"] == "failed", (
                f"{step['where']} is marked xfail but now works: drop its marker"
            )
