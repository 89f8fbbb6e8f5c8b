"""Peak memory, time and equality of the stream engine against the whole-clip path (issue #11).

``python benchmarks/streaming.py`` writes 2, 10, 30 and 120-minute files (the
librosa ``nutcracker`` song repeated: real music, 2 min Ogg Vorbis as
published, 10 and 120 min FLAC and 30 min WAV at 44.1 kHz stereo) to a
temporary folder, then measures each in a fresh process per measurement:
peak RSS (``ru_maxrss``, imports and compiled kernels included) and seconds
per audio-minute of ``MusicFeatures(engine=...).transform([path])`` after a
warm-up clip (the best of ``--repeat`` runs up to 10 minutes, one run beyond), for ``engine='stream'`` at every length and ``engine='whole'``
up to ``--whole-up-to`` minutes (30: the whole path needs about 2 GB there,
and 7 GB at 120). Both rows are compared. Last, ``musicfeat extract --jobs 2``
on a folder of the 30- and 120-minute files, with the peak RSS of each
process (``VmHWM``, polled). Then waveforms held in memory (the song
repeated, 22.05 kHz float32): what ``transform`` adds to the RSS of a process
that already holds the waveform. ``--json FILE`` keeps the figures; ``--minutes``
picks the lengths. No test asserts a time.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
from musicfeat import MusicFeatures
path, engine, feature_set = sys.argv[1], sys.argv[2], sys.argv[4]
warm = (0.1 * np.random.default_rng(0).standard_normal(22050 * 10)).astype(np.float32)
mf = MusicFeatures(engine=engine, feature_set=feature_set).fit([warm])  # extended learns its codebook here
mf.transform([warm])  # imports and kernels, as in any real run
seconds = float("inf")
for _ in range(int(sys.argv[3])):  # the best of a few: the machine is shared
    start = time.perf_counter()
    row = mf.transform([path])[0]
    seconds = min(seconds, time.perf_counter() - start)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rss_mb": rss, "row": row.tolist()}))
"""

CHILD_WAVEFORM = r"""
import json, resource, sys, warnings
warnings.simplefilter("ignore")
import numpy as np
from musicfeat import MusicFeatures, load_audio
import librosa
minutes, engine = float(sys.argv[1]), sys.argv[2]
mf = MusicFeatures(engine=engine).fit()
mf.transform([np.zeros(22050 * 10, dtype=np.float32)])
song = load_audio(librosa.example("nutcracker"), 22050)
y = np.resize(song, int(minutes * 60 * 22050))  # the waveform the caller holds
del song
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
# The high-water mark so far (decoding the song, tiling it) is reset, so that the
# peak read afterwards is transform's.
open("/proc/self/clear_refs", "w").write("5")
before = status("VmRSS")
mf.transform([y])
peak = status("VmHWM")
print(json.dumps({"waveform_mb": y.nbytes / 2**20, "rss_before_mb": before, "peak_mb": peak,
                  "beyond_waveform_mb": peak - before}))
"""

FORMATS = {2: "ogg", 10: "flac", 30: "wav", 120: "flac"}


def _song():
    import librosa

    y, _ = librosa.load(librosa.example("nutcracker"), sr=44100, mono=True)
    return np.stack([y, np.roll(y, 441)], axis=1)  # stereo: the channels differ


def write_long_file(folder, minutes, song):
    """The song repeated to ``minutes``, written a song at a time (the writer holds one copy)."""
    import librosa
    import soundfile as sf

    if FORMATS.get(minutes) == "ogg" and minutes == 2:
        return Path(librosa.example("nutcracker"))  # as published: 22.05 kHz mono Vorbis, 119.9 s
    fmt = FORMATS.get(minutes, "flac")
    path = Path(folder) / f"nutcracker_{minutes}min.{fmt}"
    total = int(minutes * 60 * 44100)
    with sf.SoundFile(path, "w", samplerate=44100, channels=2, subtype="PCM_16", format=fmt.upper()) as f:
        written = 0
        while written < total:
            part = song[: total - written]
            f.write(part)
            written += len(part)
    return path


def measure(path, engine, repeat, feature_set="talk419"):
    command = [sys.executable, "-c", CHILD, str(path), engine, str(repeat), feature_set]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        return {
            "error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"
        }
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_waveform(minutes, engine):
    """Peak RSS beyond what a process holding a ``minutes`` waveform (and warm kernels) already holds."""
    command = [sys.executable, "-c", CHILD_WAVEFORM, str(minutes), engine]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        return {
            "error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"
        }
    return json.loads(out.stdout.strip().splitlines()[-1])


def _descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def _hwm_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure_extract(files, jobs=2):
    """``musicfeat extract --jobs N`` on a folder of ``files``: seconds and each process's peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "music"
        root.mkdir()
        for f in files:
            (root / f.name).symlink_to(f)
        cli = Path(sys.executable).with_name("musicfeat")
        command = [str(cli), "extract", str(root), "-o", str(Path(tmp) / "t.csv"), "--jobs", str(jobs), "-q"]
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peaks = {}
        while process.poll() is None:
            for pid in _descendants(process.pid):
                hwm = _hwm_mb(pid)
                if hwm is not None:
                    peaks[pid] = max(peaks.get(pid, 0.0), hwm)
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        stderr = process.stderr.read()
    return {
        "seconds": seconds,
        "returncode": process.returncode,
        "peak_rss_mb_by_process": sorted(peaks.values(), reverse=True),
        "stderr_tail": stderr.strip().splitlines()[-3:],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, nargs="*", default=[2, 10, 30, 120])
    parser.add_argument("--whole-up-to", type=int, default=30)
    parser.add_argument("--no-extract", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs up to 10 minutes (best kept)")
    parser.add_argument("--waveform-minutes", type=int, nargs="*", default=[10, 30, 120])
    parser.add_argument("--feature-set", default="talk419", help="talk419 or extended (files only)")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    results = {"runs": [], "extract": None, "waveforms": []}
    song = _song()
    with tempfile.TemporaryDirectory(prefix="musicfeat-bench-") as folder:
        files = {}
        for minutes in args.minutes:
            files[minutes] = write_long_file(folder, minutes, song)
            info = {
                "feature_set": args.feature_set,
                "minutes": minutes,
                "file": files[minutes].name,
                "mb": files[minutes].stat().st_size / 2**20,
            }
            for engine in ("stream", "whole"):
                if engine == "whole" and minutes > args.whole_up_to:
                    continue
                m = measure(files[minutes], engine, args.repeat if minutes <= 10 else 1, args.feature_set)
                info[engine] = {k: v for k, v in m.items() if k != "row"}
                if "row" in m:
                    info[engine]["s_per_audio_min"] = m["seconds"] / minutes
                    info.setdefault("rows", {})[engine] = np.asarray(m["row"])
            rows = info.pop("rows", {})
            if len(rows) == 2:
                diff = np.abs(rows["stream"] - rows["whole"])
                info["max_abs_difference"] = float(diff.max())
                info["equal"] = bool((diff == 0).all())
            results["runs"].append(info)
            print(json.dumps(info), flush=True)
        if not args.no_extract and {30, 120} <= set(files):
            results["extract"] = measure_extract([files[30], files[120]])
            print(json.dumps(results["extract"]), flush=True)
    for minutes in args.waveform_minutes:
        for engine in ("stream", "whole"):
            if engine == "whole" and minutes > args.whole_up_to:
                continue
            info = {"waveform_minutes": minutes, "engine": engine, **measure_waveform(minutes, engine)}
            results["waveforms"].append(info)
            print(json.dumps(info), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
