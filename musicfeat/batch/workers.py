"""Running the extraction of many tracks: in worker processes, in this process, or on Dask.

The room of parallel work in :mod:`musicfeat.batch`. One track is extracted
by :func:`extract_track` through the extractor's public API (decode, then
``transform``), which turns any fault of the file into a failure of that
file. :func:`run_tracks` sends the tracks to worker processes
(:mod:`~musicfeat.batch.pool`: a crash or a hang fails only its file), or
runs them here (``jobs=1``), or on a Dask cluster.
"""

import math
import os
import sys
import warnings

from ..exceptions import DegenerateFeatureWarning, InvalidAudioError
from ..extraction import choose_engine
from ..io import load_audio, open_audio
from .pool import WORKER_CRASHED, run_pool, start_server, timeout_outcome, worker_context
from .tracks import file_sha256

__all__ = [
    "DEFAULT_TIMEOUT",
    "extract_track",
    "extract_tracks",
    "run_tracks",
    "start_workers_early",
    "WORKER_CRASHED",
]

#: Seconds a worker may spend on one file (``timeout=`` of
#: :func:`~musicfeat.extract_folder`, ``--timeout``): ten times what the
#: longest file musicfeat decodes by default (four hours of audio) takes at
#: the measured 250x real time on one core.
DEFAULT_TIMEOUT = 600.0

#: What the fork server imports once, so that workers start warm.
_PRELOAD = ("musicfeat", "musicfeat.batch.workers", "musicfeat._warm")


def _describe(error):
    text = str(error)
    if isinstance(error, MemoryError):
        return f"out of memory while decoding or analysing this file{': ' + text if text else ''}"
    return text or type(error).__name__


def _decodable(path):
    """The path as the decoder takes it: its bytes when the name is not valid in the file system's encoding."""
    try:
        path.encode(sys.getfilesystemencoding())
    except UnicodeEncodeError:  # bytes that are not UTF-8 in the name (surrogate escapes)
        return os.fsencode(path)
    return path


def extract_track(path, extractor):
    """Features of one file, never raising for anything that goes wrong with it.

    Decodes with :func:`~musicfeat.load_audio` and extracts with the
    extractor's public ``transform``; a file the extractor streams (longer
    than :data:`~musicfeat.extraction.STREAM_ABOVE_SECONDS` by its header,
    or any file with ``engine='stream'``: :func:`~musicfeat.extraction.choose_engine`) goes to ``transform`` as a path,
    and its duration is its header's length at ``sr`` (exact but for MP3,
    whose header estimates it). Any exception, ``MemoryError``
    included, becomes the file's failure. A
    :class:`~musicfeat.DegenerateFeatureWarning` is returned with the row
    rather than shown (a batch says it once, for all its files), even where
    warnings are errors; other warnings are shown as usual.

    Parameters
    ----------
    path : str
    extractor : MusicFeatures
        Fitted, with ``on_error='raise'`` and no ``n_jobs`` of its own
        (:func:`extract_folder` prepares it so).

    Returns
    -------
    tuple
        ``("ok", duration_s, sha256, row, degenerate)``, ``degenerate``
        the message of the file's DegenerateFeatureWarning or None; or
        ``("error", error_type, message)``.
    """
    try:
        header = _streamed_header(_decodable(path), extractor)
        if header is None:
            y = load_audio(_decodable(path), extractor.sr, max_duration=extractor.max_duration)
            item, seconds = y, y.size / extractor.sr
        else:  # the file itself, which the extractor streams: never held whole
            item, seconds = _decodable(path), _samples_at(header, extractor.sr) / extractor.sr
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DegenerateFeatureWarning)
            row = extractor.transform([item])[0]
        degenerate = None
        for warning in caught:
            if issubclass(warning.category, DegenerateFeatureWarning):
                degenerate = str(warning.message)
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        return ("ok", seconds, file_sha256(path), row, degenerate)
    except InvalidAudioError as error:
        return ("error", type(error).__name__, error.reason)
    except Exception as error:  # one file's fault, whatever it is, is that file's failure
        return ("error", type(error).__name__, _describe(error))


def _streamed_header(path, extractor):
    """The file's header when the extractor will stream it (so it is passed as a path), else None."""
    engine = extractor.get_params().get("engine", "auto")
    if engine == "whole":
        return None
    with open_audio(path, max_duration=extractor.max_duration) as audio:
        header = audio.header
    if header.frames is None:  # no length to record without decoding it: held whole
        return None
    return header if choose_engine(engine, header.duration) == "stream" else None


def _samples_at(header, sr):
    """The length at ``sr`` that load_audio gives a file of this header (librosa.resample's ceiling)."""
    return header.frames if header.rate == sr else math.ceil(header.frames * (float(sr) / header.rate))


def run_tracks(todo, extractor, record, *, jobs=None, client=None, timeout=DEFAULT_TIMEOUT):
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
        Worker processes; by default one per core, and at least one, so
        that a crash or a hang costs only its file. ``jobs=1`` runs here, in
        this process, with no time limit: a hang stops the run and a crash
        in native code ends it.
    client : distributed.Client, optional
        Run on this Dask cluster instead (its own retries; no time limit).
    timeout : float or None, default=DEFAULT_TIMEOUT
        Seconds per file in worker processes; None for no limit.
    """
    if client is not None:
        _run_on_dask(client, todo, extractor, record)
    elif jobs == 1:
        for track in todo:
            if not record(track, extract_track(track.path, extractor)):
                return
    else:
        timed_out = timeout_outcome(timeout)
        run_pool(
            jobs or os.cpu_count() or 1,
            [(track, track.path) for track in todo],
            extract_track,
            (extractor,),
            record,
            timeout=timeout,
            context=worker_context(_PRELOAD),
            timed_out=timed_out,
        )


def start_workers_early(jobs=None, client=None):
    """Start the fork server :func:`run_tracks`'s workers come from (not for ``jobs=1`` nor Dask).

    It imports musicfeat and loads the kernels (about 1.4 s) while the
    caller finds the tracks and prepares the table, instead of after.
    """
    if client is None and jobs != 1:
        start_server(worker_context(_PRELOAD))


#: Tasks a Dask run keeps submitted per worker thread of the cluster (and at
#: least :data:`DASK_MIN_IN_FLIGHT`): enough that no worker waits for the
#: client, few enough that a million-file run does not hold a million tasks
#: on the scheduler (each costs it memory and bookkeeping).
DASK_TASKS_PER_THREAD = 4
DASK_MIN_IN_FLIGHT = 64
#: Most files one Dask task extracts. A task costs the client and the
#: scheduler about 7-9 ms of CPU (``benchmarks/parallel.py``), a 3.5-minute
#: track about 0.7 s of a worker's: at a hundred workers one task per file
#: would keep the client's core busy. Several files per task divide that.
DASK_MAX_FILES_PER_TASK = 8
#: Files per worker thread a collection must hold for each task to take more than one.
DASK_FILES_PER_THREAD_PER_EXTRA = 32


def extract_tracks(paths, extractor):
    """:func:`extract_track` of each path, in order: one Dask task for several files."""
    return [extract_track(path, extractor) for path in paths]


def _dask_threads(client):
    try:
        return sum(client.nthreads().values())
    except Exception:  # a client that cannot say (adaptive cluster starting): none known
        return 0


def _dask_plan(n_files, threads):
    """``(files per task, tasks in flight)`` of a Dask run over ``n_files`` on ``threads`` worker threads.

    One file per task while the collection is small against the cluster
    (the load spreads evenly, the tail is one file); up to
    :data:`DASK_MAX_FILES_PER_TASK` when it holds many times more files than
    threads, where the client's cost per task would otherwise bound the run.

    Examples
    --------
    >>> from musicfeat.batch.workers import _dask_plan
    >>> _dask_plan(1_000, 16), _dask_plan(1_000_000, 100)
    ((1, 64), (8, 400))
    """
    per_task = max(
        1, min(DASK_MAX_FILES_PER_TASK, n_files // (DASK_FILES_PER_THREAD_PER_EXTRA * max(threads, 1)))
    )
    return per_task, max(DASK_MIN_IN_FLIGHT, DASK_TASKS_PER_THREAD * threads)


def _run_on_dask(client, todo, extractor, record):
    """Tasks of a few files each, a bounded number submitted at a time, each file recorded as its task ends.

    A task that fails as a whole (its worker lost more often than Dask
    retries) is submitted again one file per task, so that only the file
    at fault fails.
    """
    from distributed import as_completed

    # A key of its own (hash=False): scattered by content, a second run with an equal
    # extractor on the same client got the key the first run's future was releasing,
    # and the scheduler could drop the data under the new run's tasks ("lost dependencies").
    extractor_future = client.scatter(extractor, broadcast=True, hash=False)
    per_task, limit = _dask_plan(len(todo), _dask_threads(client))
    waiting = [todo[i : i + per_task] for i in range(0, len(todo), per_task)][::-1]  # popped from the end
    running = {}

    def submit_next():
        if not waiting:
            return None
        tracks = waiting.pop()
        future = client.submit(extract_tracks, [t.path for t in tracks], extractor_future, pure=False)
        running[future] = tracks
        return future

    first = [f for f in (submit_next() for _ in range(limit)) if f is not None]
    finished = as_completed(first)
    for future in finished:
        tracks = running.pop(future)
        try:
            results = future.result()
        except Exception as error:  # a lost worker fails its files: alone, each the next time
            if len(tracks) > 1:
                waiting.extend([track] for track in reversed(tracks))
                finished.add(submit_next())
                continue
            results = [("error", type(error).__name__, f"the Dask task failed: {error}")]
        for track, result in zip(tracks, results, strict=True):
            if not record(track, result):
                for other in running:
                    other.cancel()
                return
        following = submit_next()
        if following is not None:
            finished.add(following)
