"""End to end from 44.1 kHz stereo FLAC and Ogg Vorbis files, beside the decode + resample + STFT floor (issue 19, target 2).

    python benchmarks/files.py [--quick] [--repeats N] [--json results.json]

Target 2: extraction from a 44.1 kHz stereo FLAC or Ogg file, in one
process, at most 0.30 s per audio-minute, and at most twice the floor that
no extractor of these features can go under: decoding the file, mixing it
down, resampling it to 22,050 Hz and one STFT, measured in the same run.

Files: librosa's ``nutcracker`` (119.9 s, 22.05 kHz mono Ogg as published)
resampled up to 44.1 kHz with soxr (``librosa.load(sr=44100)``), made
stereo with a small decorrelation (the right channel is the left delayed by
10 ms plus a quieter copy of the left, so the mix-down has real work and the
encoders cannot code the channels as one), and written with soundfile as
16-bit FLAC and as Ogg Vorbis (quality 0.5, libsndfile's default): a
1-minute excerpt (the song's first minute) and the whole song. ``--quick``
keeps the 1-minute files only. The files live in a temporary folder.

Stages, each timed in this one process, warm (every stage runs once before
timing, and the extractors are fitted first: ``extended`` learns its
codebook on 10 s of noise), BLAS and numba on one thread:

1. decode: musicfeat's decoder (``open_audio(path).blocks()``, every block
   read, the header checks included), and soundfile's ``sf.read`` beside it;
2. load: decode + mix-down + resample to 22,050 Hz (``musicfeat.load_audio``);
3. floor: (2) + the STFT magnitude as musicfeat's front end computes it
   (``musicfeat.dsp.stft_magnitude(y, 2048, 512)``);
4. ``MusicFeatures().transform([path])`` (the 419, whole-clip engine),
   and ``MusicFeatures(feature_set="extended")``;
5. ``MusicFeatures(engine="stream").transform([path])`` (the 419 streamed).

The stages alternate: a round times each stage once, in order, for every
file; the best of ``--repeats`` rounds (3, or 2 with ``--quick``) is kept for
each, wall and CPU time separately (CPU time of the process,
``time.process_time``: on a shared machine the steadier measure, as every
stage runs on one thread). Figures are seconds per audio-minute, and each
end-to-end stage's ratio to the floor of the same file in the same run.
No test asserts a time.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

SONG = "nutcracker"
TARGET_S_PER_MIN = 0.30
TARGET_RATIO = 2.0
RATE = 44100


def timed(fn):
    """``(wall, cpu)`` seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def make_stereo(y):
    """``(n, 2)`` float32: the left channel as given, the right delayed by 10 ms plus a quieter copy."""
    right = 0.8 * np.roll(y, RATE // 100) + 0.2 * y
    return np.stack([y, right], axis=1).astype(np.float32)


def write_files(folder, quick):
    import librosa
    import soundfile as sf

    y, _ = librosa.load(librosa.example(SONG), sr=RATE, mono=True)  # soxr_hq up to 44.1 kHz
    stereo = make_stereo(y)
    lengths = {"1 min": stereo[: 60 * RATE]} if quick else {"1 min": stereo[: 60 * RATE], "2 min": stereo}
    files = []
    for label, data in lengths.items():
        for fmt, subtype, ext in (("FLAC", "PCM_16", "flac"), ("OGG", "VORBIS", "ogg")):
            path = Path(folder) / f"{SONG}_{label.replace(' ', '')}.{ext}"
            # In blocks: libsndfile 1.2's Vorbis encoder crashes on one write of a minute or more.
            with sf.SoundFile(path, "w", RATE, 2, subtype=subtype, format=fmt) as out:
                for start in range(0, len(data), RATE):
                    out.write(data[start : start + RATE])
            files.append(
                {
                    "path": str(path),
                    "name": path.name,
                    "format": "FLAC 16-bit" if fmt == "FLAC" else "Ogg Vorbis",
                    "length": label,
                    "minutes": len(data) / RATE / 60,
                    "mb": path.stat().st_size / 2**20,
                }
            )
    return files


def stages():
    """``name -> (description, make(path) -> callable)``, in the order each round runs them."""
    import soundfile as sf

    from musicfeat import MusicFeatures, load_audio
    from musicfeat.dsp import stft_magnitude
    from musicfeat.io import open_audio

    warm = (0.1 * np.random.default_rng(0).standard_normal(22050 * 10)).astype(np.float32)
    mf419 = MusicFeatures().fit()
    mf_ext = MusicFeatures(feature_set="extended").fit([warm])
    mf_stream = MusicFeatures(engine="stream").fit()

    def decode(path):
        with open_audio(path) as audio:
            for _ in audio.blocks():
                pass

    def floor(path):
        stft_magnitude(load_audio(path, 22050), 2048, 512)

    return {
        "decode": ("decode (musicfeat.io, every block)", lambda p: lambda: decode(p)),
        "decode_sf": ("decode (soundfile.read, float32)", lambda p: lambda: sf.read(p, dtype="float32")),
        "load": ("decode + mix-down + resample (load_audio)", lambda p: lambda: load_audio(p, 22050)),
        "floor": ("floor: load_audio + STFT", lambda p: lambda: floor(p)),
        "e2e_419": ("end to end, the 419 (whole clip)", lambda p: lambda: mf419.transform([p])),
        "e2e_extended": ("end to end, extended", lambda p: lambda: mf_ext.transform([p])),
        "e2e_stream": ("end to end, the 419, engine='stream'", lambda p: lambda: mf_stream.transform([p])),
    }


def measure(files, repeats):
    table = stages()
    calls = {(f["name"], s): make(f["path"]) for f in files for s, (_, make) in table.items()}
    for fn in calls.values():  # warm: lazy imports, kernels, decoders, caches
        fn()
    best = {key: [float("inf"), float("inf")] for key in calls}
    for _ in range(repeats):
        for key, fn in calls.items():
            wall, cpu = timed(fn)
            best[key] = [min(best[key][0], wall), min(best[key][1], cpu)]
    out = []
    for f in files:
        per_min = {s: [t / f["minutes"] for t in best[(f["name"], s)]] for s in table}
        row = {**{k: v for k, v in f.items() if k != "path"}, "stages": {}}
        for s, (desc, _) in table.items():
            wall, cpu = per_min[s]
            entry = {"description": desc, "wall_s_per_audio_min": wall, "cpu_s_per_audio_min": cpu}
            if s.startswith("e2e"):
                entry["wall_over_floor"] = wall / per_min["floor"][0]
                entry["cpu_over_floor"] = cpu / per_min["floor"][1]
            row["stages"][s] = entry
        out.append(row)
    return out


def verdict(value, bound):
    return "met" if value <= bound else "missed"


def report(results):
    print(
        f"machine: {results['machine']}; musicfeat {results['musicfeat']}, soundfile "
        f"{results['soundfile']} (libsndfile {results['libsndfile']}), soxr {results['soxr']}; "
        f"best of {results['repeats']} alternating rounds, warm, one thread"
    )
    print()
    print("| file | stage | CPU s / audio-min | wall s / audio-min | CPU / floor | wall / floor |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for f in results["files"]:
        label = f"{f['length']} {f['format']} ({f['mb']:.1f} MB)"
        for s in f["stages"].values():
            ratios = (
                f"{s['cpu_over_floor']:.2f}x | {s['wall_over_floor']:.2f}x"
                if "cpu_over_floor" in s
                else " | "
            )
            print(
                f"| {label} | {s['description']} | {s['cpu_s_per_audio_min']:.3f} | "
                f"{s['wall_s_per_audio_min']:.3f} | {ratios} |"
            )
    print()
    print(
        f"Target 2 (the 419 end to end from the file, <= {TARGET_S_PER_MIN:.2f} s per audio-minute and "
        f"<= {TARGET_RATIO:g}x the floor), on CPU time:"
    )
    print()
    print(
        "| file | the 419: s / audio-min | its ratio to the floor | extended: s / audio-min | stream: s / audio-min |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for f in results["files"]:
        e, x, st = f["stages"]["e2e_419"], f["stages"]["e2e_extended"], f["stages"]["e2e_stream"]
        print(
            f"| {f['length']} {f['format']} | {e['cpu_s_per_audio_min']:.3f} "
            f"({verdict(e['cpu_s_per_audio_min'], TARGET_S_PER_MIN)}) | {e['cpu_over_floor']:.2f}x "
            f"({verdict(e['cpu_over_floor'], TARGET_RATIO)}) | {x['cpu_s_per_audio_min']:.3f} | "
            f"{st['cpu_s_per_audio_min']:.3f} |"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1-minute files only, two rounds")
    parser.add_argument("--repeats", type=int, help="alternating rounds (best kept); 3, or 2 with --quick")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 3)

    import soundfile as sf
    import soxr

    import musicfeat

    results = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "load_average_at_start": os.getloadavg(),
        "musicfeat": musicfeat.__version__,
        "soundfile": sf.__version__,
        "libsndfile": sf.__libsndfile_version__,
        "soxr": soxr.__version__,
        "repeats": repeats,
        "quick": args.quick,
        "targets": {"s_per_audio_min": TARGET_S_PER_MIN, "ratio_to_floor": TARGET_RATIO},
    }
    with tempfile.TemporaryDirectory(prefix="musicfeat-files-") as folder:
        files = write_files(folder, args.quick)
        results["files"] = measure(files, repeats)
    results["load_average_at_end"] = os.getloadavg()
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return results


if __name__ == "__main__":
    sys.exit(main() and 0)
