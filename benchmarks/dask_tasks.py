"""What a Dask run's client spends per file, with one file per task and with several.

    python benchmarks/dask_tasks.py [--files 96] [--workers 2] [--repeats 2]

Writes ``--files`` two-second WAV files of noise, starts a
``LocalCluster(n_workers=--workers, threads_per_worker=1, processes=True)``
with ``MALLOC_TRIM_THRESHOLD_`` unset (see README.md), and runs
``extract_folder(..., client=client)`` with ``DASK_MAX_FILES_PER_TASK`` set
to 1 and to 8 (and the collection counted as large, so that 8 applies),
after one untimed run of each (the workers' imports and kernels), then
``--repeats`` rounds, alternating which goes first. It prints the wall time and the client
process's CPU per file (``getrusage``: the client, LocalCluster's scheduler
in the same process, and ``extract_folder``'s own work: the scan and the
table). Files are short on purpose: the per-task cost is what is measured,
and short files make it visible. Only the ratio between the two settings
of one run means much on a shared machine.
"""

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf


def client_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=96)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    import dask
    import distributed

    from musicfeat import DegenerateFeatureWarning, extract_folder
    from musicfeat.batch import dask_runner

    root = Path(tempfile.mkdtemp(prefix="musicfeat-dask-tasks-"))
    rng = np.random.default_rng(0)
    for i in range(args.files):
        sf.write(root / f"{i:04d}.wav", (0.1 * rng.standard_normal(2 * 22050)).astype(np.float32), 22050)
    dask_runner.DASK_FILES_PER_THREAD_PER_EXTRA = 1  # count the collection as large
    warnings.simplefilter("ignore", DegenerateFeatureWarning)  # 2-s clips: tempo and windows say so
    print(f"{args.files} files of 2 s, {args.workers} Dask workers (one thread each), trim threshold unset\n")
    print("| files per task | run | wall (s) | client CPU per file (ms) |")
    print("| ---: | ---: | ---: | ---: |")
    environ = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
    with (
        dask.config.set(environ),
        distributed.LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):

        def timed_run(per_task, name):
            dask_runner.DASK_MAX_FILES_PER_TASK = per_task
            cpu, start = client_cpu(), time.perf_counter()
            summary = extract_folder(root, root / f"{name}.csv", client=client, progress=False)
            assert summary.done == args.files, summary
            return time.perf_counter() - start, client_cpu() - cpu

        for per_task in (1, 8):  # untimed: the workers import musicfeat and load its kernels
            timed_run(per_task, f"warm-up-{per_task}")
        for run in range(args.repeats):
            for per_task in (1, 8) if run % 2 == 0 else (8, 1):  # alternating which goes first
                wall, cpu = timed_run(per_task, f"t{per_task}-{run}")
                print(f"| {per_task} | {run + 1} | {wall:.2f} | {1000 * cpu / args.files:.1f} |")


if __name__ == "__main__":
    main()
