"""Timing hook for benchmarks/parallel.py: where a worker's time goes, seen from inside the worker.

Imported by the batch fork server (``benchmarks/parallel.py`` appends it to
``musicfeat.batch.workers._PRELOAD`` in its own process only) or installed
in a Dask worker with ``client.run``. :func:`install` replaces
``musicfeat.batch.workers.extract_track`` in that process with a wrapper
that calls it unchanged and appends one JSON line per file to
``$MUSICFEAT_BENCH_PROBE/<pid>.jsonl``: when the call began and ended
(``CLOCK_BOOTTIME``, the clock of ``/proc/<pid>/stat``'s start times, the
same in every process), its CPU time, and the process's own start. Workers
unpickle the task by name, so those forked from the fork server (or run by
Dask) after the install call the wrapper. Nothing of musicfeat changes.
"""

import json
import os
import time

ENV = "MUSICFEAT_BENCH_PROBE"


def now():
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def process_start(pid="self"):
    """When the process began (fork), ``CLOCK_BOOTTIME`` seconds, to 1/CLK_TCK (10 ms)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[19]) / os.sysconf("SC_CLK_TCK")


def _write(record):
    folder = os.environ.get(ENV)
    if folder:
        with open(os.path.join(folder, f"{os.getpid()}.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")


def install(folder=None):
    """Wrap ``extract_track`` in this process; returns how long importing musicfeat's batch took here."""
    if folder is not None:
        os.environ[ENV] = folder
    started = now()
    import musicfeat.batch.workers as workers

    imported = now()
    if getattr(workers.extract_track, "_probe", False):
        return imported - started
    original = workers.extract_track

    def extract_track(path, extractor):
        t0, c0 = now(), time.process_time()
        result = original(path, extractor)
        t1, c1 = now(), time.process_time()
        _write(
            {
                "pid": os.getpid(),
                "path": path,
                "begin": t0,
                "end": t1,
                "cpu": c1 - c0,
                "ok": result[0] == "ok",
                "process_start": process_start(),
            }
        )
        return result

    extract_track._probe = True
    workers.extract_track = extract_track
    return imported - started


if os.environ.get(ENV):  # imported by the fork server: install, and say when it was ready
    install()
    _write({"fork_server": os.getpid(), "ready": now(), "process_start": process_start()})
