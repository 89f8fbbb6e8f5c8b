"""musicfeat against the naive librosa/scipy path, measured side by side in one run.

    python benchmarks/run.py [--quick] [--json results.json]

Needs librosa's example recordings (LIBROSA_DATA_DIR, or a download). Every
figure is relative to the naive path timed in the same run on the same
machine, since absolute times on a shared machine mean little. Timings are
the best of several repeats; cold start and peak memory are measured in
fresh processes. Kernels run on one core (numba, serial); BLAS is limited
to one thread for both paths.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # tests/naive.py: the naive path

SONG = "nutcracker"  # Kevin MacLeod, Dance of the Sugar Plum Fairy: 119.9 s


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def timed(fn):
    """``(wall, cpu)`` seconds of one call (CPU time of the whole process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run_in_fresh_process(code):
    """Run Python code in a new interpreter; it prints one JSON object."""
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=os.environ
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


COLD_CODE = """
import json, time
def peak_rss_mb():
    # VmHWM is reset by exec; getrusage's ru_maxrss would include the parent's.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
t0 = time.perf_counter()
from musicfeat import MusicFeatures
mf = MusicFeatures()
t1 = time.perf_counter()
mf.fit_transform([{path!r}])
t2 = time.perf_counter()
mf.transform([{path!r}])
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "first_clip": t2 - t1, "second_clip": t3 - t2,
                   "peak_rss_mb": peak_rss_mb()}}))
"""

BASELINE_RSS_CODE = """
import json
import numpy as np
from musicfeat import MusicFeatures
MusicFeatures().fit_transform([np.zeros(22050, dtype=np.float32)])
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({"peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024}))
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 10-minute input")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--array-pairs", type=int, default=5, help="alternating timings of both paths from the waveform"
    )
    parser.add_argument("--array-only", action="store_true", help="only the from-waveform ratio")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else 3

    import librosa
    import scipy.ndimage
    from naive import naive_features

    import musicfeat
    from musicfeat import MusicFeatures
    from musicfeat.kernels import median_filter_axis

    path = librosa.example(SONG)
    y, sr = librosa.load(path, sr=22050)
    minutes = y.size / sr / 60
    results = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "musicfeat": musicfeat.__version__,
        "librosa": librosa.__version__,
        "clip": f"{SONG} ({y.size / sr:.1f} s)",
    }

    # -- full extraction, warm, from the waveform in memory: the two paths
    # alternate, each ratio from a pair timed back to back, so that load from
    # other processes falls on both; the median pair and the spread are kept.
    # Both run on one thread, so CPU time is their time on an idle core:
    # on a shared machine its ratio is the steadier figure.
    mf = MusicFeatures()
    mf.fit_transform([y])  # compile / warm caches
    naive_features(y[: 10 * sr])  # the naive path's own first-call costs (librosa's lazy imports, JIT)
    pairs = []
    for _ in range(args.array_pairs):
        ours = min((timed(lambda: mf.transform([y])) for _ in range(2)), key=lambda t: t[1])
        pairs.append((ours, timed(lambda: naive_features(y))))
    for clock, i in (("wall", 0), ("cpu", 1)):
        ratios = sorted(n[i] / o[i] for o, n in pairs)
        median_pair = sorted(pairs, key=lambda p: p[1][i] / p[0][i])[len(pairs) // 2]
        results[f"array_extraction_{clock}_s"] = {
            "musicfeat": median_pair[0][i],
            "naive": median_pair[1][i],
            "speedup": median_pair[1][i] / median_pair[0][i],
            "speedup_min": ratios[0],
            "speedup_max": ratios[-1],
            "pairs": len(pairs),
        }

    if args.array_only:
        report(results)
        return results

    # -- full extraction, warm, from the file (decode included in both paths)
    mf.fit_transform([path])  # compile / warm caches
    t_ours = best_of(lambda: mf.transform([path]), repeats)

    def naive():
        y_naive, _ = librosa.load(path, sr=22050)
        return naive_features(y_naive)

    t_naive = best_of(naive, 1 if args.quick else 2)
    results["extraction_s"] = {"musicfeat": t_ours, "naive": t_naive, "speedup": t_naive / t_ours}
    results["musicfeat_s_per_audio_minute"] = t_ours / minutes
    results["musicfeat_realtime_factor"] = minutes * 60 / t_ours
    results["naive_realtime_factor"] = minutes * 60 / t_naive

    # -- HPSS alone and the median filter alone, on the song's spectrogram
    S = np.abs(librosa.stft(y))
    from musicfeat.frontend import hpss

    t_hpss = best_of(lambda: hpss(S), repeats)
    t_hpss_ref = best_of(lambda: librosa.decompose.hpss(S, kernel_size=31), 1)
    results["hpss_s"] = {"musicfeat": t_hpss, "librosa": t_hpss_ref, "speedup": t_hpss_ref / t_hpss}
    spec = np.ascontiguousarray(S[:, :5000]) if S.shape[1] >= 5000 else S
    medians = {}
    for axis, label in ((1, "time (harmonic)"), (0, "frequency (percussive)")):
        size = [1, 1]
        size[axis] = 31
        ours = best_of(lambda axis=axis: median_filter_axis(spec, 31, axis=axis), repeats)
        ref = best_of(lambda size=size: scipy.ndimage.median_filter(spec, size=size, mode="reflect"), 1)
        medians[label] = {"musicfeat": ours, "scipy": ref, "speedup": ref / ours}
    results["median_filter_1025x5000_float32_s"] = medians

    # -- cold start and peak memory, in fresh processes
    cold = run_in_fresh_process(COLD_CODE.format(path=path))
    results["cold_start_s"] = {
        "import": cold["import"],
        "first_clip": cold["first_clip"],
        "warm_clip": cold["second_clip"],
        "first_minus_warm": cold["first_clip"] - cold["second_clip"],
    }
    results["peak_rss_mb"] = {
        "baseline_one_second_clip": run_in_fresh_process(BASELINE_RSS_CODE)["peak_rss_mb"],
        "2_min": cold["peak_rss_mb"],
    }
    if not args.quick:
        import soundfile as sf

        with tempfile.TemporaryDirectory() as tmp:
            long_path = os.path.join(tmp, "ten_minutes.wav")
            reps = int(np.ceil(600 / (y.size / sr)))
            sf.write(long_path, np.tile(y, reps)[: 600 * sr], sr, subtype="FLOAT")
            results["peak_rss_mb"]["10_min"] = run_in_fresh_process(COLD_CODE.format(path=long_path))[
                "peak_rss_mb"
            ]

    # -- batch scaling: 1 vs 2 worker processes on a folder of tracks
    if not args.quick:
        import soundfile as sf

        from musicfeat import extract_folder

        with tempfile.TemporaryDirectory() as tmp:
            folder = os.path.join(tmp, "music", "Tchaikovsky")
            os.makedirs(folder)
            sf.write(os.path.join(folder, "take 0.wav"), y[: 60 * sr], sr, subtype="FLOAT")
            for i in range(1, 16):
                os.link(os.path.join(folder, "take 0.wav"), os.path.join(folder, f"take {i}.wav"))

            def wall(jobs):
                out = os.path.join(tmp, f"f{jobs}.csv")
                return extract_folder(
                    os.path.join(tmp, "music"), out, jobs=jobs, progress=False, overwrite=True
                ).wall_seconds

            first_two = wall(2)  # includes starting the fork server (once per process)
            walls = {1: min(wall(1), wall(1)), 2: min(wall(2), wall(2))}
        results["batch_16_tracks_of_60_s_wall_s"] = {
            "1_worker": walls[1],
            "2_workers": walls[2],
            "2_workers_first_run": first_two,
            "speedup": walls[1] / walls[2],
        }

    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return results


def report(r):
    print(f"machine: {r['machine']}; musicfeat {r['musicfeat']}, librosa {r['librosa']}; clip: {r['clip']}")
    print()
    print("| measure | musicfeat | naive / reference | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for clock in ("wall", "cpu"):
        a = r[f"array_extraction_{clock}_s"]
        print(
            f"| full extraction from the waveform, warm, {clock} time (s) | {a['musicfeat']:.3f} | "
            f"{a['naive']:.3f} | {a['speedup']:.1f}x (median of {a['pairs']} pairs; "
            f"{a['speedup_min']:.1f}-{a['speedup_max']:.1f}x) |"
        )
    if "extraction_s" not in r:
        return
    e = r["extraction_s"]
    print(f"| full extraction, warm (s) | {e['musicfeat']:.3f} | {e['naive']:.3f} | {e['speedup']:.1f}x |")
    print(
        f"| real-time factor | {r['musicfeat_realtime_factor']:.0f}x | {r['naive_realtime_factor']:.0f}x | |"
    )
    print(f"| seconds per audio minute | {r['musicfeat_s_per_audio_minute']:.3f} | | |")
    h = r["hpss_s"]
    print(f"| HPSS (s) | {h['musicfeat']:.3f} | {h['librosa']:.3f} | {h['speedup']:.1f}x |")
    for label, m in r["median_filter_1025x5000_float32_s"].items():
        print(
            f"| median filter along {label} (s) | {m['musicfeat']:.3f} | {m['scipy']:.3f} | {m['speedup']:.1f}x |"
        )
    c = r["cold_start_s"]
    print(f"| cold start: import (s) | {c['import']:.2f} | | |")
    print(f"| cold start: first clip minus warm clip (s) | {c['first_minus_warm']:.2f} | | |")
    for k, v in r["peak_rss_mb"].items():
        print(f"| peak RSS, {k.replace('_', ' ')} (MB) | {v:.0f} | | |")
    if "batch_16_tracks_of_60_s_wall_s" in r:
        b = r["batch_16_tracks_of_60_s_wall_s"]
        print(
            f"| batch, 16 tracks of 60 s: 2 workers vs 1 (s) | {b['2_workers']:.2f} | {b['1_worker']:.2f} | {b['speedup']:.2f}x |"
        )
        print(
            f"| batch, 2 workers, first run incl. fork-server start (s) | {b['2_workers_first_run']:.2f} | | |"
        )


if __name__ == "__main__":
    main()
