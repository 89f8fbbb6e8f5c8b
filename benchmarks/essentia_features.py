"""Essentia's MusicExtractor on a list of clips: the comparison set of ``benchmarks/features.py``.

Runs in its own environment (``pip install essentia soundfile numpy``;
essentia is never a dependency of musicfeat) and is started by
``features.py`` as a subprocess::

    python essentia_features.py extract JOBS.jsonl OUT_DIR [--jobs N]
    python essentia_features.py time FILE [FILE ...]

``extract`` reads one JSON object a line, ``{"key", "path", "start",
"end"}`` (seconds; ``start``/``end`` null for the whole file), and writes
``OUT_DIR/<key>.npz`` for each clip: ``names`` (unicode array) and
``values`` (float64), the numeric descriptors flattened in Essentia's
order (a vector ``d`` gives ``d[0]``, ``d[1]``...; a matrix ``d[i,j]``).
``metadata.*`` (which identifies files, not music) and string descriptors
(key and scale names) are dropped. A clip already written is skipped, so
a run can be resumed.

When MusicExtractor fails on a file (its decoder refuses it, say), the
clip is decoded with soundfile, written to a temporary WAV file at the
native rate and given to MusicExtractor again (it reads files only);
``decoded_by`` says which decoder served. When that fails too (MusicExtractor
refuses clips of digital silence whoever decodes them),
``OUT_DIR/<key>.refused.json`` records the errors: the caller scores such
clips as rows of NaN, imputed in each fold.

``time`` runs MusicExtractor on whole files in this process, one core,
and prints ``{"cpu_seconds": ...}`` (``time.process_time``, decoding
included).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def _extractor(start=None, end=None):
    import essentia

    essentia.log.infoActive = False
    essentia.log.warningActive = False
    import essentia.standard as es

    params = {}
    if start is not None:
        params.update(startTime=float(start), endTime=float(end))
    return es.MusicExtractor(**params)


def flatten(pool):
    """Names and float64 values of the numeric, non-metadata descriptors of an Essentia Pool."""
    names, values = [], []
    for name in pool.descriptorNames():
        if name.startswith("metadata."):
            continue
        value = pool[name]
        if isinstance(value, str) or (isinstance(value, np.ndarray) and value.dtype.kind not in "fiub"):
            continue
        array = np.asarray(value, dtype=np.float64)
        if array.ndim == 0:
            names.append(name)
            values.append(float(array))
        elif array.ndim == 1:
            names.extend(f"{name}[{i}]" for i in range(array.size))
            values.extend(array.tolist())
        elif array.ndim == 2:
            names.extend(f"{name}[{i},{j}]" for i in range(array.shape[0]) for j in range(array.shape[1]))
            values.extend(array.ravel().tolist())
        # higher ranks: none in MusicExtractor's output
    return names, values


def _run_soundfile(path, start, end):
    """MusicExtractor on a WAV written from soundfile's decoding of ``path`` (the clip only)."""
    import soundfile as sf

    info = sf.info(path)
    first = 0 if start is None else int(round(start * info.samplerate))
    last = None if end is None else int(round(end * info.samplerate))
    data, sr = sf.read(path, start=first, stop=last, dtype="float32", always_2d=True)
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        sf.write(tmp.name, data, sr, subtype="FLOAT")
        return _extractor()(tmp.name)[0]


def extract_one(job, out_dir):
    out = Path(out_dir) / f"{job['key']}.npz"
    refused = Path(out_dir) / f"{job['key']}.refused.json"
    if out.exists() or refused.exists():
        return job["key"], "cached"
    start, end = job.get("start"), job.get("end")
    decoded_by = "essentia"
    try:
        pool = _extractor(start, end)(job["path"])[0]
    except Exception as first:
        # Its decoder may be what failed: once more on soundfile's decoding.
        # A clip refused for its content (digital silence) fails again.
        try:
            pool = _run_soundfile(job["path"], start, end)
            decoded_by = "soundfile"
        except Exception as error:  # refused: recorded, scored as NaN by the caller
            message = f"{type(first).__name__}: {first}"
            if str(error) != str(first):
                message += f"; through soundfile: {type(error).__name__}: {error}"
            refused.write_text(json.dumps({"key": job["key"], "error": message}))
            return job["key"], "refused"
    names, values = flatten(pool)
    tmp = out.with_suffix(".tmp.npz")
    np.savez(tmp, names=np.asarray(names, dtype=str), values=np.asarray(values), decoded_by=decoded_by)
    os.replace(tmp, out)
    return job["key"], decoded_by


def _extract_star(args):
    return extract_one(*args)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ext = sub.add_parser("extract")
    ext.add_argument("jobs_file")
    ext.add_argument("out_dir")
    ext.add_argument("--jobs", type=int, default=1)
    tim = sub.add_parser("time")
    tim.add_argument("files", nargs="+")
    args = parser.parse_args(argv)

    if args.command == "time":
        _extractor()  # import and set up outside the timed part
        start = time.process_time()
        for path in args.files:
            _extractor()(path)
        print(json.dumps({"cpu_seconds": time.process_time() - start, "files": len(args.files)}))
        return 0

    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    jobs = [json.loads(line) for line in open(args.jobs_file) if line.strip()]
    work = [(job, args.out_dir) for job in jobs]
    done = 0
    if args.jobs > 1:
        with Pool(args.jobs) as pool:
            results = pool.imap_unordered(_extract_star, work)
            for key, how in results:
                done += 1
                print(f"[{done}/{len(jobs)}] {key}: {how}", flush=True)
    else:
        for item in work:
            key, how = _extract_star(item)
            done += 1
            print(f"[{done}/{len(jobs)}] {key}: {how}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
