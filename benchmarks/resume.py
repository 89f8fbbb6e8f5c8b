"""A resume of a 10,000-row table: its time, and the bytes it reads.

    python benchmarks/resume.py [--rows 10000] [--file-bytes 4096] [--json results.json]

Builds, in a temporary folder, ``--rows`` tiny WAV files (the collection)
and a finished table of as many rows (the 419 features, written as a run
writes them, with random values), then times ``extract_folder(...,
resume=True)`` with nothing left to extract, three ways:

- ``no index``: the table's ``.index.json`` is missing (a table of an
  earlier musicfeat): every file is read and hashed, as every resume did
  before the index;
- ``index``: the sizes and modification times recorded when the files were
  hashed are trusted: no file is read;
- ``verify``: ``verify=True`` (``--verify``) hashes every file anyway.

Bytes read are the process's ``rchar`` (``/proc/self/io``: every byte
read through a system call, the table's included, cached or not), and the
bytes of audio hashed are counted apart. Times are wall-clock on whatever
machine runs it (the files are in the page cache: the time of reading a
cold disk is not in it; the bytes are).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def rchar():
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    raise RuntimeError("no rchar in /proc/self/io")


def build(folder, rows, file_bytes, seed=0):
    """``rows`` tiny WAVs under ``folder/music`` and a finished table of them; returns the table's path."""
    import soundfile as sf

    from musicfeat import MusicFeatures
    from musicfeat.batch.resume import params_digest, write_meta
    from musicfeat.batch.tracks import file_sha256
    from musicfeat.feature_table import METADATA_COLUMNS, LineFile, feature_row, table_paths

    rng = np.random.default_rng(seed)
    extractor = MusicFeatures().fit()
    columns = list(METADATA_COLUMNS) + [str(n) for n in extractor.get_feature_names_out()]
    out = folder / "features.csv"
    paths = table_paths(out)
    write_meta(paths.meta, extractor, len(columns))
    table = LineFile(paths.rows, columns, append=False)
    version, digest = extractor.feature_set_version_, params_digest(extractor)
    samples = max(1, (file_bytes - 44) // 2)
    past = 1_600_000_000 * 10**9
    for k in range(rows):
        label = f"artist{k % 50:02d}"
        relpath = f"{label}/track{k:05d}.wav"
        path = folder / "music" / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, rng.integers(-3000, 3000, samples, dtype=np.int16), 22050, subtype="PCM_16")
        os.utime(path, ns=(past, past + k))
        features = rng.standard_normal(len(columns) - len(METADATA_COLUMNS))
        table.write(
            feature_row(relpath, label, samples / 22050, version, file_sha256(path), digest, features)
        )
    table.close()
    return out


def resume(folder, out, **options):
    import musicfeat.batch.tracks as tracks
    from musicfeat import extract_folder

    hashed = [0]
    real = tracks._hash_file

    def counting(path):
        sha, size = real(path)
        hashed[0] += size
        return sha, size

    tracks._hash_file = counting
    try:
        before, start = rchar(), time.perf_counter()
        summary = extract_folder(folder / "music", out, jobs=1, resume=True, progress=False, **options)
        seconds, read = time.perf_counter() - start, rchar() - before
    finally:
        tracks._hash_file = real
    assert summary.done == 0 and summary.failed == 0, summary
    return {
        "seconds": round(seconds, 2),
        "bytes_read": read,
        "audio_bytes_hashed": hashed[0],
        "kept": summary.skipped,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--file-bytes", type=int, default=4096, help="size of each tiny WAV (default 4096)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    from musicfeat.feature_table import table_paths

    with tempfile.TemporaryDirectory(prefix="musicfeat-resume-bench-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        out = build(folder, args.rows, args.file_bytes)
        built = time.perf_counter() - start
        audio = sum(p.stat().st_size for p in (folder / "music").rglob("*.wav"))
        results = {
            "rows": args.rows,
            "table_bytes": os.path.getsize(out),
            "audio_bytes": audio,
            "build_seconds": round(built, 1),
        }
        resume(folder, out, verify=True)  # warm: the imports a first run reads are not the resume's
        os.remove(table_paths(out).index)
        results["no index (hash every file)"] = resume(folder, out)  # and writes the index
        results["index (sizes and times trusted)"] = resume(folder, out)
        results["verify=True (hash every file)"] = resume(folder, out, verify=True)
    print(json.dumps(results, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
