"""Running the extraction of many tracks: worker processes with crash isolation, or Dask.

The room of parallel work in :mod:`musicfeat.batch`. One track is extracted
by :func:`extract_track` through the extractor's public API (decode, then
``transform``); a worker process that dies fails only the file it held; a
Dask cluster runs the same function.
"""

import os
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ..exceptions import InvalidAudioError
from ..io import load_audio
from .tracks import file_sha256

__all__ = ["extract_track", "run_tracks", "WORKER_CRASHED"]

#: The failure recorded for a file whose worker process died.
WORKER_CRASHED = (
    "WorkerCrashed",
    "the worker process died while decoding or analysing this file (a crash in native code)",
)


def _decodable(path):
    """The path as the decoder takes it: its bytes when the name is not valid in the file system's encoding."""
    try:
        path.encode(sys.getfilesystemencoding())
    except UnicodeEncodeError:  # bytes that are not UTF-8 in the name (surrogate escapes)
        return os.fsencode(path)
    return path


def extract_track(path, extractor):
    """Features of one file, never raising for the file's own faults.

    Decodes with :func:`~musicfeat.load_audio` and extracts with the
    extractor's public ``transform``.

    Parameters
    ----------
    path : str
    extractor : MusicFeatures
        Fitted, with ``on_error='raise'`` and no ``n_jobs`` of its own
        (:func:`extract_folder` prepares it so).

    Returns
    -------
    tuple
        ``("ok", duration_s, sha256, row)`` or ``("error", error_type, message)``.
    """
    try:
        y = load_audio(_decodable(path), extractor.sr, max_duration=extractor.max_duration)
        row = extractor.transform([y])[0]
        return ("ok", y.size / extractor.sr, file_sha256(path), row)
    except InvalidAudioError as error:
        return ("error", type(error).__name__, error.reason)
    except OSError as error:
        return ("error", type(error).__name__, str(error))


def run_tracks(todo, extractor, record, *, jobs=None, client=None):
    """Extract every track of ``todo``, handing each result to ``record`` as it finishes.

    Parameters
    ----------
    todo : list of Track
    extractor : MusicFeatures
        Fitted, as :func:`extract_track` needs it.
    record : callable
        ``record(track, result)``, called in this process in completion
        order; it returns False to stop the run (the tracks not started are
        not extracted).
    jobs : int, optional
        Worker processes (default: all cores); 1 runs here, in this process.
    client : distributed.Client, optional
        Run on this Dask cluster instead.
    """
    if client is not None:
        _run_on_dask(client, todo, extractor, record)
    elif (jobs or os.cpu_count() or 1) <= 1:
        for track in todo:
            if not record(track, extract_track(track.path, extractor)):
                return
    else:
        _run_in_processes(todo, extractor, jobs or os.cpu_count(), record)


def _run_in_processes(todo, extractor, jobs, record):
    """Local worker processes; a dead worker fails only the file that killed it."""
    context = _worker_context()
    pending = list(reversed(todo))
    while pending:
        suspects = []
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            in_flight = {}
            while pending or in_flight:
                while pending and len(in_flight) < 2 * jobs:
                    track = pending.pop()
                    in_flight[pool.submit(extract_track, track.path, extractor)] = track
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                try:
                    for future in finished:
                        track = in_flight.pop(future)
                        if not record(track, future.result()):
                            pending.clear()
                            for other in in_flight:
                                other.cancel()
                            return
                except BrokenProcessPool:
                    # Every file in flight is a suspect; find the culprit alone.
                    suspects = [track] + list(in_flight.values())
                    break
        for track in suspects:
            if not record(track, _extract_isolated(track, extractor, context)):
                return


def _worker_context():
    """Processes forked from a fork server that has imported musicfeat once.

    Workers start warm (imports and compiled kernels already loaded by
    :mod:`musicfeat._warm`), and are forked from the server's single thread,
    never from this process, which may hold BLAS or LLVM threads. Spawn
    where there is no fork server.
    """
    import multiprocessing

    try:
        context = multiprocessing.get_context("forkserver")
    except ValueError:  # Windows
        return multiprocessing.get_context("spawn")
    context.set_forkserver_preload(["musicfeat", "musicfeat.batch.workers", "musicfeat._warm"])
    return context


def _extract_isolated(track, extractor, context):
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            return pool.submit(extract_track, track.path, extractor).result()
        except BrokenProcessPool:
            return ("error", *WORKER_CRASHED)


def _run_on_dask(client, todo, extractor, record):
    from distributed import as_completed

    extractor_future = client.scatter(extractor, broadcast=True)
    futures = {client.submit(extract_track, t.path, extractor_future, pure=False): t for t in todo}
    for future in as_completed(futures):
        track = futures[future]
        try:
            result = future.result()
        except Exception as error:  # a lost worker fails that file only
            result = ("error", type(error).__name__, f"the Dask task failed: {error}")
        if not record(track, result):
            for other in futures:
                other.cancel()
            return
