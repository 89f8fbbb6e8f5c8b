"""Extracting a whole folder into a table: the orchestration of :mod:`musicfeat.batch`.

:func:`extract_folder` checks the output can be written and locks it
(:mod:`~musicfeat.batch.lock`), finds the tracks
(:mod:`~musicfeat.batch.tracks`), decides what a resumed run still has to
do (:mod:`~musicfeat.batch.resume`), hands the tracks to workers
(:mod:`~musicfeat.batch.workers`), appends each finished row to the table
(:mod:`musicfeat.feature_table`), and sorts the table by path when the run
is complete.
"""

import copy
import errno
import os
import sys
import tempfile
import time
import warnings

from .._optional import require
from ..exceptions import DegenerateFeatureWarning
from ..feature_table import (
    ERROR_COLUMNS,
    METADATA_COLUMNS,
    LineFile,
    check_output_name,
    error_row,
    feature_row,
    has_header,
    holds_rows,
    is_errors_file,
    parquet_to_rows,
    rows_to_parquet,
    sort_rows,
    table_paths,
)
from . import workers
from ._summary import BatchSummary, duplicates
from .learning import is_fitted, learn_from_folder
from .lock import output_lock
from .resume import ResumePlan, params_digest, prepare_resume, write_meta
from .tracks import FileIndex, scan_folder

__all__ = ["BatchSummary", "extract_folder"]


def _progress_bar(total, enabled):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # progress is an optional extra
        return None
    return tqdm(total=total, unit="track", dynamic_ncols=True, file=sys.stderr)


def _check_output(paths):
    """Refuse, before any work, an output that cannot be written.

    Raises
    ------
    OSError
        (``filename`` set) if the output's folder does not exist, or the
        output or one of its companion files is a folder.
    ValueError
        If the file where the failures go exists and is not an errors file
        musicfeat wrote (it is never replaced).
    MissingExtraError
        For Parquet output without pandas and pyarrow.
    """
    folder = os.path.dirname(paths.output)
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, "no such folder for the output", folder)
    for path in (paths.output, paths.rows, paths.errors, paths.meta, paths.fitted, paths.index):
        if os.path.isdir(path):
            raise IsADirectoryError(errno.EISDIR, "is a folder, not a table file", path)
    check_output_name(paths.output)
    if os.path.exists(paths.errors) and not is_errors_file(paths.errors):
        raise ValueError(
            f"{paths.errors!r} is where this table's failures go, and it is not a musicfeat errors file: "
            "move it away, or write the table under another name"
        )
    if paths.parquet:
        require("pandas", "parquet", "Parquet output")
        require("pyarrow", "parquet", "Parquet output")


def _remove_earlier_errors(paths):
    """Remove the failures of an earlier run of this table, and only a file musicfeat wrote.

    An earlier musicfeat wrote them to ``STEM.errors.csv``, shared by
    ``STEM.csv`` and ``STEM.parquet``: that file goes only when it is an
    errors file and no table of the other kind stands beside this one.
    """
    if is_errors_file(paths.errors):
        os.remove(paths.errors)
    stem = os.path.splitext(paths.output)[0]
    others = [stem + ext for ext in (".csv", ".parquet") if stem + ext != paths.output]
    if is_errors_file(paths.legacy_errors) and not any(os.path.exists(other) for other in others):
        os.remove(paths.legacy_errors)


class _Errors:
    """The errors file, created at the first failure (no file when nothing failed)."""

    def __init__(self, path):
        self.path, self.file = path, None

    def write(self, relpath, error_type, message):
        if self.file is None:
            self.file = LineFile(self.path, list(ERROR_COLUMNS), append=False)
        self.file.write(error_row(relpath, error_type, message))

    def close(self):
        if self.file is not None:
            self.file.close()


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
    timeout=workers.DEFAULT_TIMEOUT,
    overwrite=False,
    verify=False,
):
    """Extract the features of every audio file under a folder into a table.

    Parameters
    ----------
    root : str or PathLike
        Folder to walk (``~`` is expanded). Each file's label is its
        first-level subfolder (see :func:`~musicfeat.batch.scan_folder`:
        links to folders are followed once; named pipes, devices and folders
        that cannot be listed are recorded as failures).
    output : str or PathLike
        ``.csv`` or ``.parquet`` (needs pyarrow); another name is refused
        before any work. Columns: ``path``
        (relative to ``root``), ``label``, ``duration_s``,
        ``feature_set_version``, ``content_sha256``, ``params_digest``, then
        the features; names escaped as :mod:`musicfeat.table_text` says.
        When the run is complete the rows are sorted by path, so the table
        is the same whatever order the workers finished in.
    extractor : MusicFeatures, optional
        The extractor and its parameters; ``MusicFeatures()`` by default. A
        feature set that learns (``feature_set='extended'``: a codebook) is
        fitted first on every track of the folder, a pass that analyses each
        track once more (without labels: unsupervised, and transductive, as
        the rows then depend on the folder's other tracks; for honest
        cross-validation fit :class:`~musicfeat.MusicFeatures` inside a
        pipeline instead), unless it is given fitted already (on training
        clips, or with :meth:`~musicfeat.MusicFeatures.load_fitted`; the
        command line's ``--fitted``). The learning pass runs in the
        extraction's worker processes, with its time limit per file and crash
        isolation: a file that fails there is left out of the fit.
        What it learnt is written beside the table,
        ``output + '.fitted.npz'`` (plain arrays, no pickle;
        :meth:`~musicfeat.MusicFeatures.load_fitted` reads it), and a resumed
        run encodes its rows with it.
    jobs : int, optional
        Worker processes (default: one per core, at least one). Each works
        on one file at a time: a worker that dies (a decoder crash) or runs
        out of time fails only its file, and is replaced. ``jobs=1`` runs in
        this process, with neither protection.
    resume : bool, default=False
        Keep the rows already in ``output`` and extract only the rest: rows
        of unchanged files (same path and SHA-256) are kept, changed files
        extracted again (the earlier row stays until the new one replaces
        it: a changed file that now fails keeps it, and is named in
        ``changed_failed``), and rows whose file is not found are kept
        (counted in ``kept_missing``): a resume never deletes a finished
        row. A file whose size and modification time are those recorded
        when it was last hashed (``OUTPUT.index.json``) is not read again;
        without that file, every file with a row is hashed. Refused, with
        :class:`~musicfeat.batch.ResumeMismatchError`, if the table was
        made with other parameters (its metadata file or its rows'
        ``params_digest`` say so). Without it, an ``output`` that holds
        finished rows is refused (see ``overwrite``).
    strict : bool, default=False
        Stop at the first failure: the first in path order with ``jobs=1``,
        the first to finish with worker processes or on Dask.
    progress : bool, optional
        Progress bar (tqdm) on stderr; by default when stderr is a terminal.
    client : distributed.Client, optional
        Run on this Dask cluster instead of local processes. Dask's nanny
        sets ``MALLOC_TRIM_THRESHOLD_=65536`` in its workers, which makes
        each file about 1.7x slower (every large temporary is mapped
        afresh; ``benchmarks/parallel.py``): start the cluster under
        ``dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})``.
        At most four tasks per worker thread are submitted at a time, and a
        collection of many more files than threads goes in tasks of up to
        eight files (the client's cost is per task); a task lost as a whole
        goes again one file per task.
    timeout : float or None, default=600
        Seconds a worker process may spend on one file; then the file fails
        with ``Timeout`` and the worker is replaced. None: no limit.
    overwrite : bool, default=False
        Start the table again when ``output`` already holds finished rows
        and ``resume`` is off. By default that is refused, so a forgotten
        ``resume`` cannot throw a night's work away.
    verify : bool, default=False
        With ``resume``: hash every file that has a row, trusting no
        recorded size and time.

    Files beside the table, each named from its whole name:
    ``OUTPUT.errors.csv`` (the failures of the last run; only a file
    musicfeat wrote is ever replaced), ``OUTPUT.meta.json``,
    ``OUTPUT.index.json``, ``OUTPUT.lock`` while it runs, and
    ``OUTPUT.fitted.npz`` for a feature set that learns.

    Returns
    -------
    BatchSummary

    Warns
    -----
    DegenerateFeatureWarning
        Once for the whole run, when the features of some tracks came out
        degenerate (``summary.degenerate`` lists them), never once per file.

    Raises
    ------
    ValueError
        If ``output`` is not named ``.csv`` or ``.parquet``, or its errors
        file's name is taken by a file musicfeat did not write.
    OSError
        If the output cannot be written (no such folder, a folder in its
        place, the disk full, no lock to be had), naming the file (the
        table, its lock file, or the scratch folder ``TMPDIR``); finished
        rows stay in the table.
    FileExistsError
        If ``output`` holds finished rows and neither ``resume`` nor
        ``overwrite`` is set.
    OutputLockedError
        If another run is writing the same output.

    Notes
    -----
    From a script, call it under ``if __name__ == "__main__":``. The worker
    processes import the main script, as :mod:`multiprocessing`'s do, and
    would otherwise run the extraction again themselves.

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
    from ..features import MusicFeatures

    started = time.perf_counter()
    paths = table_paths(output)
    _check_output(paths)
    extractor = MusicFeatures() if extractor is None else extractor
    learns = extractor.__sklearn_tags__().requires_fit
    prefitted = learns and is_fitted(extractor)
    if learns and not prefitted:
        extractor.describe_features()  # the parameters checked before any work; fit comes later
    elif not learns:
        extractor.fit()
    # What each worker runs: the same extractor, failing loudly (a failure is
    # recorded per file), one clip at a time (the workers are the parallelism).
    extractor = copy.deepcopy(extractor).set_params(on_error="raise", n_jobs=None)
    columns = list(METADATA_COLUMNS) + [str(n) for n in extractor.get_feature_names_out()]
    workers.start_workers_early(jobs, client)  # its start-up runs beside the scan, the resume and the fit
    with output_lock(paths.lock, paths.output):
        scan = scan_folder(root)
        summary = BatchSummary(output_path=paths.output, errors_path=paths.errors)
        if not resume and not overwrite and holds_rows(paths):
            raise FileExistsError(
                errno.EEXIST,
                "holds finished rows; resume keeps them and extracts the rest, overwrite starts again",
                paths.output,
            )
        if resume and paths.parquet and not os.path.exists(paths.rows) and os.path.exists(paths.output):
            parquet_to_rows(paths.output, paths.rows)
        resuming = resume and os.path.exists(paths.rows) and has_header(paths.rows)
        if learns:
            summary.left_out_of_fit = learn_from_folder(
                extractor,
                paths,
                scan.tracks,
                resuming=resuming,
                prefitted=prefitted,
                jobs=jobs,
                timeout=timeout,
            )
        if resuming:
            plan = prepare_resume(paths, extractor, columns, scan.tracks, verify=verify)
        else:
            plan = ResumePlan(scan.tracks, 0, 0, index=FileIndex())
        summary.skipped, summary.kept_missing = plan.done, plan.kept_missing
        write_meta(paths.meta, extractor, len(columns))
        _remove_earlier_errors(paths)
        _run(
            paths,
            extractor,
            columns,
            scan.skipped,
            plan,
            summary,
            append=resume,
            strict=strict,
            progress=progress,
            jobs=jobs,
            client=client,
            timeout=timeout,
        )
        summary.wall_seconds = time.perf_counter() - started
    if summary.degenerate:
        warnings.warn(summary.degenerate_note(), DegenerateFeatureWarning, stacklevel=2)
    return summary


def _run(paths, extractor, columns, skipped, plan, summary, *, append, strict, progress, **run_options):
    """Write the rows of the plan's tracks and the failures; sort (and convert) the table once complete."""
    todo, index, shas = plan.todo, plan.index, dict(plan.shas)
    before = {track.relpath: index.stat(track.path) for track in todo}
    rows = LineFile(paths.rows, columns, append=append)
    errors = _Errors(paths.errors)
    bar = _progress_bar(len(todo), sys.stderr.isatty() if progress is None else progress)
    version, digest = extractor.feature_set_version_, params_digest(extractor)

    def fail(relpath, error_type, message):
        if _is_disk_full(error_type, message):  # a worker writes nowhere but its scratch files
            message += f" (the scratch folder {tempfile.gettempdir()!r}, TMPDIR, is full: set TMPDIR to a disk with room)"
        if relpath in plan.changed:
            summary.changed_failed.append(relpath)
            message += "; its content changed since its row was written, and that row is kept"
        errors.write(relpath, error_type, message)
        summary.failed += 1
        summary.failures.append((relpath, error_type, message))
        return not strict

    def record(track, result):
        if bar is not None:
            bar.update(1)
        if result[0] != "ok":
            return fail(track.relpath, *result[1:])
        _, duration, sha, row, degenerate = result
        rows.write(feature_row(track.relpath, track.label, duration, version, sha, digest, row))
        shas[track.relpath] = sha
        stat = before.get(track.relpath)
        after = index.stat(track.path)
        if stat is not None and after is not None:
            index.note(track.path, stat[0], stat[1], after[0], sha)
        if degenerate:
            summary.degenerate.append((track.relpath, degenerate))
        summary.done += 1
        summary.audio_seconds += duration
        return True

    complete = False
    try:
        if all(fail(*entry) for entry in skipped):
            try:
                workers.run_tracks(todo, extractor, record, **run_options)
            except OSError as error:
                if error.errno == errno.ENOSPC and error.filename is None:  # starting the workers
                    raise OSError(
                        error.errno,
                        f"{error.strerror}: the scratch folder (TMPDIR), where the worker processes start, is full",
                        tempfile.gettempdir(),
                    ) from error
                raise
            complete = summary.done + summary.failed == len(todo) + len(skipped)
    finally:
        summary.interrupted = not complete
        rows.close()
        errors.close()
        index.save(paths.index)
        if bar is not None:
            bar.close()
    summary.duplicates = duplicates(shas)
    if complete:  # one order, whatever order the workers finished in; a changed file's new row only
        if summary.done or not plan.in_order:
            sort_rows(paths.rows)
        if paths.parquet:
            rows_to_parquet(paths.rows, paths.output)


def _is_disk_full(error_type, message):
    return error_type == "OSError" and os.strerror(errno.ENOSPC) in message
