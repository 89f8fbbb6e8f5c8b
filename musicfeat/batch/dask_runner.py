"""A batch on a Dask cluster: tasks of a few files, a bounded number in flight, each file recorded as its task ends.

The room of Dask in :mod:`musicfeat.batch`, beside :mod:`~musicfeat.batch.pool`
(local worker processes), below :mod:`~musicfeat.batch.workers`, which gives
it the task to run. It sizes the run to the cluster (:func:`dask_plan`):

- at most :data:`DASK_TASKS_PER_THREAD` tasks per worker thread are
  submitted at a time (at least :data:`DASK_MIN_IN_FLIGHT`), the next as
  one ends, so a million-file run never puts a million tasks on the
  scheduler;
- a collection of many more files than threads goes up to
  :data:`DASK_MAX_FILES_PER_TASK` files per task, because the client and
  the scheduler spend milliseconds per task (``benchmarks/dask_tasks.py``).

Faults stay with the file at fault: a task that fails as a whole (its
worker killed more often than Dask retries) goes again one file per task.
The extractor travels inside each task (cloudpickled once per run, a few KB),
not scattered: scattered data dies with the last worker that holds it, and
a file that kills workers would then fail every task that needed it
("lost dependencies"). Imports nothing else of the package
(``distributed`` on first use).
"""

import pickle

__all__ = [
    "DASK_TASKS_PER_THREAD",
    "DASK_MIN_IN_FLIGHT",
    "DASK_MAX_FILES_PER_TASK",
    "DASK_FILES_PER_THREAD_PER_EXTRA",
    "dask_plan",
    "run_task",
    "run_on_dask",
]

#: Tasks a run keeps submitted per worker thread of the cluster: enough that
#: no worker waits for the client, few enough that the scheduler's memory
#: and bookkeeping do not grow with the collection.
DASK_TASKS_PER_THREAD = 4
#: The fewest tasks kept submitted (an adaptive cluster may have no workers yet).
DASK_MIN_IN_FLIGHT = 64
#: Most files one task extracts. A task costs the client and the scheduler
#: 4-9 ms of CPU (``benchmarks/parallel.py``), a 3.5-minute track about
#: 0.7 s of a worker's: at a hundred workers one task per file would keep
#: the client's core busy. Several files per task divide that.
DASK_MAX_FILES_PER_TASK = 8
#: Files per worker thread a collection must hold for each task to take one more file.
DASK_FILES_PER_THREAD_PER_EXTRA = 32


def _threads(client):
    try:
        return sum(client.nthreads().values())
    except Exception:  # a client that cannot say (adaptive cluster starting): none known
        return 0


def dask_plan(n_files, threads):
    """``(files per task, tasks in flight)`` of a run over ``n_files`` on ``threads`` worker threads.

    One file per task while the collection is small against the cluster
    (the load spreads evenly, the tail is one file); up to
    :data:`DASK_MAX_FILES_PER_TASK` when it holds many times more files than
    threads, where the client's cost per task would otherwise bound the run.

    Examples
    --------
    >>> from musicfeat.batch.dask_runner import dask_plan
    >>> dask_plan(1_000, 16), dask_plan(1_000_000, 100)
    ((1, 64), (8, 400))
    """
    per_thread = DASK_FILES_PER_THREAD_PER_EXTRA * max(threads, 1)
    per_task = max(1, min(DASK_MAX_FILES_PER_TASK, n_files // per_thread))
    return per_task, max(DASK_MIN_IN_FLIGHT, DASK_TASKS_PER_THREAD * threads)


def run_task(task, paths, extractor_bytes):
    """In a worker: ``task(paths, extractor)``, the extractor unpickled from the run's bytes."""
    return task(paths, pickle.loads(extractor_bytes))


def run_on_dask(client, todo, task, extractor, record):
    """``task(paths, extractor)`` over ``todo`` on ``client``'s cluster, ``record(track, result)`` per file.

    Parameters
    ----------
    client : distributed.Client
    todo : list of Track
    task : callable
        ``task(paths, extractor)``: one result per path, in order, never
        raising for a file's fault (:func:`musicfeat.batch.workers.extract_tracks`).
    extractor : MusicFeatures
        Sent with every task, cloudpickled once (classes defined in
        ``__main__`` or a notebook travel by value).
    record : callable
        Called in completion order; it returns False to stop the run. When
        the run stops or ``record`` raises, the tasks not finished are
        cancelled.
    """
    import cloudpickle  # distributed's own dependency
    from distributed import as_completed

    # cloudpickle, as Dask would: an extractor or group class defined in a notebook, a
    # script's __main__ or a function travels by value, where pickle would name it only.
    extractor_bytes = cloudpickle.dumps(extractor, protocol=pickle.HIGHEST_PROTOCOL)
    per_task, limit = dask_plan(len(todo), _threads(client))
    waiting = [todo[i : i + per_task] for i in range(0, len(todo), per_task)][::-1]  # popped from the end
    running = {}

    def submit(tracks):
        future = client.submit(run_task, task, [t.path for t in tracks], extractor_bytes, pure=False)
        running[future] = tracks
        return future

    try:
        finished = as_completed([submit(waiting.pop()) for _ in range(min(limit, len(waiting)))])
        for future in finished:
            tracks = running.pop(future)
            try:
                results = future.result()
            except Exception as error:
                future.release()
                if len(tracks) > 1:  # a lost worker fails its files: alone, each the next time
                    waiting.extend([track] for track in reversed(tracks))
                    finished.add(submit(waiting.pop()))
                    continue
                results = [("error", type(error).__name__, f"the Dask task failed: {error}")]
            else:
                future.release()  # its rows are here: the scheduler may forget the task
            for track, result in zip(tracks, results, strict=True):
                if not record(track, result):
                    return
            if waiting:
                finished.add(submit(waiting.pop()))
    finally:  # stopped, or record raised (a full disk, Ctrl-C): nothing is left running on the cluster
        for other in running:
            other.cancel()
