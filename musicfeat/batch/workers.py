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
from .dask_runner import run_on_dask
from .pool import WORKER_CRASHED, run_pool, start_server, timeout_outcome, worker_context
from .tracks import file_sha256

__all__ = [
    "DEFAULT_TIMEOUT",
    "extract_track",
    "extract_tracks",
    "file_failure",
    "run_here_or_in_workers",
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


def file_failure(error):
    """``("error", error_type, message)``: how a batch records an exception raised by one file.

    The extraction and the learning pass say a file's fault in the same words.
    """
    if isinstance(error, InvalidAudioError):
        return ("error", type(error).__name__, error.reason)
    text = str(error)
    if isinstance(error, MemoryError):
        text = f"out of memory while decoding or analysing this file{': ' + text if text else ''}"
    return ("error", type(error).__name__, text or type(error).__name__)


def run_here_or_in_workers(jobs, keyed_items, task, args, record, *, timeout, during=""):
    """``task(item, *args)`` for each ``(key, item)``, ``record(key, result)`` as each ends.

    ``jobs == 1``: here, in order, with no time limit nor crash isolation
    (a hang stops the run, a crash in native code ends it); ``record``
    returning False stops. Otherwise in the worker pool
    (:func:`~musicfeat.batch.pool.run_pool`, ``jobs`` processes, one per
    core by default), forked from the fork server that preloads musicfeat;
    ``during`` names the pass in a timeout's or a crash's message.
    """
    if jobs == 1:
        for key, item in keyed_items:
            if not record(key, task(item, *args)):
                return
        return
    run_pool(
        jobs or os.cpu_count() or 1,
        keyed_items,
        task,
        args,
        record,
        timeout=timeout,
        context=worker_context(_PRELOAD),
        timed_out=timeout_outcome(timeout, during),
        during=during,
    )


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
    except Exception as error:  # one file's fault, whatever it is, is that file's failure
        return file_failure(error)


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
        run_on_dask(client, todo, extract_tracks, extractor, record)
    else:
        keyed = [(track, track.path) for track in todo]
        run_here_or_in_workers(jobs, keyed, extract_track, (extractor,), record, timeout=timeout)


def start_workers_early(jobs=None, client=None):
    """Start the fork server :func:`run_tracks`'s workers come from (not for ``jobs=1`` nor Dask).

    It imports musicfeat and loads the kernels (about 1.3 s) while the
    caller finds the tracks and prepares the table, instead of after.
    """
    if client is None and jobs != 1:
        start_server(worker_context(_PRELOAD))


def extract_tracks(paths, extractor):
    """:func:`extract_track` of each path, in order: one Dask task for several files."""
    return [extract_track(path, extractor) for path in paths]
