"""Extracting whole folders of audio: one row per track, written as it finishes.

The talk's workflow starts with a folder per artist full of songs and ends
with a table of songs x features. :func:`extract_folder` (and
``musicfeat extract``) walks a folder, extracts every audio file in worker
processes (or on a Dask cluster), and appends each finished row to the output
with one flushed write, so an interrupted run keeps every finished track and
``resume=True`` extracts only the rest. A file that cannot be read, or whose
worker process dies, is recorded in the errors file and costs nothing else.

Files written next to ``FEATURES.csv``:

- ``FEATURES.errors.csv``: ``path, error_type, message`` of every failure of
  the last run;
- ``FEATURES.csv.meta.json``: the extractor's parameters and the feature-set
  version, which ``resume`` checks before adding rows to an old table.

No pickle anywhere in the data path: tables are CSV or Parquet.
"""

import copy
import csv
import hashlib
import io
import json
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import numpy as np

from ._version import __version__
from .exceptions import InvalidAudioError
from .io import load_audio

__all__ = ["extract_folder", "find_tracks", "load_features", "BatchSummary", "ResumeMismatchError"]

#: File name endings treated as audio (libsndfile's formats and the usual
#: compressed ones, which go to audioread when libsndfile cannot read them).
AUDIO_EXTENSIONS = frozenset(
    "wav wave flac ogg oga opus mp3 mp2 aif aiff aifc au snd caf w64 rf64 voc avr "
    "sd2 htk xi m4a mp4 aac wma webm mka".split()
)
#: Columns before the features, in order.
METADATA_COLUMNS = ("path", "label", "duration_s", "feature_set_version", "content_sha256")
ERROR_COLUMNS = ("path", "error_type", "message")


class ResumeMismatchError(ValueError):
    """``resume`` was asked of a table made with other parameters."""


@dataclass(frozen=True)
class Track:
    """One audio file under the root: its path, its path relative to the root, its label."""

    path: str
    relpath: str
    label: str


def find_tracks(root):
    """Every audio file under ``root``, recursively, in a stable order.

    The label of a file is its first-level folder under ``root`` (an artist,
    a genre), or ``''`` for a file in ``root`` itself. A directory whose name
    ends like an audio file is listed too, so that it is reported rather than
    silently skipped.

    Parameters
    ----------
    root : str or PathLike

    Returns
    -------
    list of Track

    Examples
    --------
    >>> import os, tempfile
    >>> from musicfeat.batch import find_tracks
    >>> root = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(root, "Brahms"))
    >>> for name in ("Brahms/dance.ogg", "solo.wav", "notes.txt"):
    ...     open(os.path.join(root, name), "w").close()
    >>> [(t.relpath, t.label) for t in find_tracks(root)]
    [('Brahms/dance.ogg', 'Brahms'), ('solo.wav', '')]
    """
    root = os.path.abspath(os.fspath(root))
    if not os.path.isdir(root):
        raise FileNotFoundError(f"no such folder: {root!r}")
    tracks = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames + [d for d in dirnames if _is_audio_name(d)]):
            if not _is_audio_name(name):
                continue
            path = os.path.join(dirpath, name)
            relpath = os.path.relpath(path, root).replace(os.sep, "/")
            parts = relpath.split("/")
            tracks.append(Track(path, relpath, parts[0] if len(parts) > 1 else ""))
    return sorted(tracks, key=lambda t: t.relpath)


def _is_audio_name(name):
    return os.path.splitext(name)[1][1:].lower() in AUDIO_EXTENSIONS


def file_sha256(path):
    """SHA-256 of a file's bytes (hex): the identity of a track for ``resume``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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
        y = load_audio(path, extractor.sr)
        row = extractor.transform([y])[0]
        return ("ok", y.size / extractor.sr, file_sha256(path), row)
    except InvalidAudioError as error:
        return ("error", type(error).__name__, error.reason)
    except OSError as error:
        return ("error", type(error).__name__, str(error))


@dataclass
class BatchSummary:
    """What a batch run did.

    Attributes
    ----------
    done : int
        Tracks extracted in this run.
    failed : int
        Tracks that failed in this run (see ``errors_path``).
    skipped : int
        Tracks already in the output (``resume``), not extracted again.
    audio_seconds : float
        Audio extracted in this run.
    wall_seconds : float
    output_path, errors_path : str
    interrupted : bool
        True when stopped early (``strict`` failure or Ctrl-C).
    failures : list of (path, error_type, message)
    """

    done: int = 0
    failed: int = 0
    skipped: int = 0
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0
    output_path: str = ""
    errors_path: str = ""
    interrupted: bool = False
    failures: list = field(default_factory=list)

    def __str__(self):
        rate = self.audio_seconds / self.wall_seconds if self.wall_seconds else 0.0
        lines = [
            f"{self.done} tracks extracted, {self.failed} failed, {self.skipped} skipped (already done); "
            f"{self.audio_seconds / 3600:.2f} h of audio in {self.wall_seconds:.1f} s ({rate:.0f}x real time)",
            f"features: {self.output_path}",
        ]
        if self.failed:
            lines.append(f"failures: {self.errors_path}")
        if self.interrupted:
            lines.append("stopped early: run again with --resume to extract the rest")
        return "\n".join(lines)


def _paths_for(output):
    output = os.path.abspath(os.fspath(output))
    stem, ext = os.path.splitext(output)
    parquet = ext.lower() == ".parquet"
    rows_path = output + ".partial.csv" if parquet else output
    return output, rows_path, stem + ".errors.csv", output + ".meta.json", parquet


def _csv_line(values):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue().encode("utf-8")


def _format_row(track, duration, version, sha, row):
    return [track.relpath, track.label, repr(float(duration)), version, sha] + [repr(float(v)) for v in row]


class _LineFile:
    """Append-only lines, each with a single write() of the whole line, flushed to the OS.

    A process killed between two rows leaves whole lines; a line cut by a
    crash mid-write is dropped when the file is read or resumed.
    """

    def __init__(self, path, header, append):
        if append and os.path.exists(path):
            _drop_partial_last_line(path)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        else:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            self.write(header)

    def write(self, values):
        line = _csv_line(values)
        written = os.write(self._fd, line)
        while written < len(line):  # a regular file takes it in one go; be safe anyway
            written += os.write(self._fd, line[written:])

    def close(self):
        os.close(self._fd)


def _drop_partial_last_line(path):
    with open(path, "rb+") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if size == 0:
            return
        f.seek(max(0, size - 1))
        if f.read(1) == b"\n":
            return
        # find the last newline and cut after it
        pos = size
        while pos > 0:
            step = min(1 << 16, pos)
            f.seek(pos - step)
            chunk = f.read(step)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                f.truncate(pos - step + cut + 1)
                return
            pos -= step
        f.truncate(0)


def _read_rows(path):
    """Header and rows of a CSV table written by this module (partial last line dropped)."""
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        data = data[: data.rfind(b"\n") + 1]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    return (rows[0], rows[1:]) if rows else (None, [])


def _extractor_params(extractor):
    """The parameters that change a table's values, as JSON values (tuples as lists)."""
    params = {k: v for k, v in extractor.get_params().items() if k not in ("memory", "n_jobs", "on_error")}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def _extractor_signature(extractor):
    return {"feature_set_version": extractor.feature_set_version_, "params": _extractor_params(extractor)}


def _check_resumable(meta_path, extractor, header, columns):
    if os.path.exists(meta_path):
        with open(meta_path, encoding="utf-8") as f:
            old = json.load(f)
        new = _extractor_signature(extractor)
        if old.get("feature_set_version") != new["feature_set_version"]:
            raise ResumeMismatchError(
                f"cannot resume: the table has feature set {old.get('feature_set_version')!r}, "
                f"this musicfeat makes {new['feature_set_version']!r}. Write to a new file."
            )
        # A parameter the table's metadata predates had its default's effect.
        defaults = _extractor_params(type(extractor)())
        before = {k: old["params"].get(k, defaults.get(k)) for k in new["params"]}
        changed = {k: (before[k], v) for k, v in new["params"].items() if before[k] != v}
        if changed:
            described = ", ".join(
                f"{k}: {a!r} in the table, {b!r} now" for k, (a, b) in sorted(changed.items())
            )
            raise ResumeMismatchError(
                f"cannot resume: the table was extracted with other parameters ({described}). "
                "Use the same parameters, or write to a new file."
            )
    if header is not None and header != columns:
        raise ResumeMismatchError(
            "cannot resume: the table's columns differ from this extractor's. Write to a new file."
        )


def _prepare_resume(rows_path, meta_path, extractor, columns, tracks):
    """Tracks still to do; rewrites the table without rows that are stale or gone."""
    header, rows = _read_rows(rows_path)
    _check_resumable(meta_path, extractor, header, columns)
    current = {t.relpath: t for t in tracks}
    kept, done = [], set()
    for row in rows:
        relpath, sha = row[0], row[4]
        track = current.get(relpath)
        if track is None or relpath in done or len(row) != len(columns):
            continue
        if os.path.isfile(track.path) and file_sha256(track.path) == sha:
            kept.append(row)
            done.add(relpath)
    if len(kept) != len(rows):
        tmp = rows_path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(_csv_line(columns))
            for row in kept:
                f.write(_csv_line(row))
        os.replace(tmp, rows_path)
    return [t for t in tracks if t.relpath not in done], len(done)


def _parquet_to_rows(output, rows_path):
    """Turn a finished Parquet table back into the appendable CSV (for resume)."""
    import pandas as pd

    pd.read_parquet(output).to_csv(rows_path, index=False, float_format="%r", lineterminator="\n")


def _rows_to_parquet(rows_path, output):
    table, _ = _read_table(rows_path)
    table.to_parquet(output, index=False)
    os.remove(rows_path)


def _progress_bar(total, enabled):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # progress is an optional extra
        return None
    return tqdm(total=total, unit="track", dynamic_ncols=True, file=sys.stderr)


def extract_folder(
    root,
    output,
    *,
    extractor=None,
    jobs=None,
    resume=False,
    strict=False,
    progress=None,
    client=None,
):
    """Extract the features of every audio file under a folder into a table.

    Parameters
    ----------
    root : str or PathLike
        Folder to walk. Each file's label is its first-level subfolder
        (see :func:`find_tracks`).
    output : str or PathLike
        ``.csv`` (default) or ``.parquet`` (needs pyarrow). Columns: ``path``
        (relative to ``root``), ``label``, ``duration_s``,
        ``feature_set_version``, ``content_sha256``, then the features.
    extractor : MusicFeatures, optional
        The extractor and its parameters; ``MusicFeatures()`` by default.
    jobs : int, optional
        Worker processes (default: all cores). With 2 or more, a worker that
        dies (a decoder crash) fails only the files it held: they are retried
        one by one in a fresh process to find the culprit. ``jobs=1`` runs in
        this process.
    resume : bool, default=False
        Keep the rows already in ``output`` whose file is unchanged (same
        path and SHA-256) and extract only the rest. Refused, with
        :class:`ResumeMismatchError`, if the table was made with other
        parameters. Without it an existing ``output`` is overwritten.
    strict : bool, default=False
        Stop at the first failure.
    progress : bool, optional
        Progress bar (tqdm) on stderr; by default when stderr is a terminal.
    client : distributed.Client, optional
        Run on this Dask cluster instead of local processes.

    Returns
    -------
    BatchSummary

    Examples
    --------
    >>> import os, shutil, tempfile
    >>> from musicfeat import extract_folder, load_features
    >>> from musicfeat.datasets import example_audio
    >>> root = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(root, "Brahms"))
    >>> _ = shutil.copy(example_audio(), os.path.join(root, "Brahms", "dance.ogg"))
    >>> summary = extract_folder(root, os.path.join(root, "features.csv"), jobs=1)
    >>> summary.done, summary.failed
    (1, 0)
    >>> X, y, names, table = load_features(os.path.join(root, "features.csv"))
    >>> X.shape, list(y)
    ((1, 419), ['Brahms'])
    """
    from .features import MusicFeatures

    started = time.perf_counter()
    extractor = MusicFeatures() if extractor is None else extractor
    extractor.fit()
    # What each worker runs: the same extractor, failing loudly (a failure is
    # recorded per file), one clip at a time (the workers are the parallelism).
    extractor = copy.deepcopy(extractor).set_params(on_error="raise", n_jobs=None)
    output, rows_path, errors_path, meta_path, parquet = _paths_for(output)
    columns = list(METADATA_COLUMNS) + [str(n) for n in extractor.get_feature_names_out()]
    tracks = find_tracks(root)
    summary = BatchSummary(output_path=output, errors_path=errors_path)

    if resume and parquet and not os.path.exists(rows_path) and os.path.exists(output):
        _parquet_to_rows(output, rows_path)
    if resume and os.path.exists(rows_path):
        todo, summary.skipped = _prepare_resume(rows_path, meta_path, extractor, columns, tracks)
    else:
        todo = tracks
    with open(meta_path, "w", encoding="utf-8") as f:
        json.dump(
            {**_extractor_signature(extractor), "musicfeat": __version__, "columns": len(columns)},
            f,
            indent=1,
        )

    rows = _LineFile(rows_path, columns, append=resume)
    errors = _LineFile(errors_path, list(ERROR_COLUMNS), append=False)
    bar = _progress_bar(len(todo), sys.stderr.isatty() if progress is None else progress)

    def record(track, result):
        if result[0] == "ok":
            _, duration, sha, row = result
            rows.write(_format_row(track, duration, extractor.feature_set_version_, sha, row))
            summary.done += 1
            summary.audio_seconds += duration
        else:
            _, error_type, message = result
            errors.write([track.relpath, error_type, message])
            summary.failed += 1
            summary.failures.append((track.relpath, error_type, message))
        if bar is not None:
            bar.update(1)
        return result[0] == "ok" or not strict

    try:
        if client is not None:
            _run_on_dask(client, todo, extractor, record)
        elif (jobs or os.cpu_count() or 1) <= 1:
            for track in todo:
                if not record(track, extract_track(track.path, extractor)):
                    break
        else:
            _run_in_processes(todo, extractor, jobs or os.cpu_count(), record)
        summary.interrupted = summary.done + summary.failed < len(todo)
    except KeyboardInterrupt:
        summary.interrupted = True
        raise
    finally:
        rows.close()
        errors.close()
        if bar is not None:
            bar.close()
        summary.wall_seconds = time.perf_counter() - started
        if parquet and not summary.interrupted:
            _rows_to_parquet(rows_path, output)
    return summary


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
    :mod:`musicfeat._warm`), and
    are forked from the server's single thread, never from this process,
    which may hold BLAS or LLVM threads. Spawn where there is no fork server.
    """
    import multiprocessing

    try:
        context = multiprocessing.get_context("forkserver")
    except ValueError:  # Windows
        return multiprocessing.get_context("spawn")
    context.set_forkserver_preload(["musicfeat", "musicfeat.batch", "musicfeat._warm"])
    return context


def _extract_isolated(track, extractor, context):
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            return pool.submit(extract_track, track.path, extractor).result()
        except BrokenProcessPool:
            return (
                "error",
                "WorkerCrashed",
                "the worker process died while decoding or analysing this file (a crash in native code)",
            )


def _run_on_dask(client, todo, extractor, record):
    from distributed import as_completed

    extractor_future = client.scatter(extractor, broadcast=True)
    futures = {client.submit(extract_track, t.path, extractor_future, pure=False): t for t in todo}
    for future in as_completed(futures):
        track = futures[future]
        try:
            result = future.result()
        except Exception as error:  # noqa: BLE001 - a lost worker fails that file only
            result = ("error", type(error).__name__, f"the Dask task failed: {error}")
        if not record(track, result):
            for other in futures:
                other.cancel()
            return


def _read_table(path):
    import pandas as pd

    if os.fspath(path).lower().endswith(".parquet"):
        return pd.read_parquet(path), None
    header, rows = _read_rows(path)
    if header is None:
        raise ValueError(f"{os.fspath(path)!r} is empty: not a feature table.")
    table = pd.DataFrame(rows, columns=header)
    for column in header:
        if column in ("path", "label", "feature_set_version", "content_sha256"):
            continue
        converted = pd.to_numeric(table[column], errors="coerce")
        if converted.notna().sum() == table[column].ne("").sum():
            table[column] = converted
    return table, header


def load_features(path, *, label_column="label"):
    """Read a feature table back: ``(X, y, feature_names, table)``.

    Works on tables written by :func:`extract_folder` (CSV or Parquet) and on
    any CSV with a label column and numeric feature columns, such as tables
    from other tools or older studies. Feature columns are the numeric
    columns other than the label and musicfeat's metadata columns
    (``path``, ``duration_s``, ...). A line cut short by an interrupted run
    is ignored. Nothing is unpickled.

    Parameters
    ----------
    path : str or PathLike
    label_column : str, default='label'
        Column of the labels; ``y`` is None if the table has none.

    Returns
    -------
    X : np.ndarray [shape=(n_tracks, n_features), dtype=float64]
    y : np.ndarray of str, or None
    feature_names : list of str
    table : pandas.DataFrame
        The whole table.
    """
    table, _ = _read_table(path)
    if len(table.columns) != len(set(table.columns)):
        raise ValueError(f"{os.fspath(path)!r} has duplicate column names.")
    skip = set(METADATA_COLUMNS) | {label_column}
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    names = [
        c
        for c in table.columns
        if c not in skip and is_numeric_dtype(table[c]) and not is_bool_dtype(table[c])
    ]
    X = table[names].to_numpy(dtype=np.float64)
    y = table[label_column].astype(str).to_numpy() if label_column in table.columns else None
    return X, y, names, table
