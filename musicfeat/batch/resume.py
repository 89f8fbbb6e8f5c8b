"""Resuming a run: is the table's extractor this one, and which tracks are still to do.

The room of ``resume=True`` in :mod:`musicfeat.batch`: the metadata file
beside a table (the extractor's parameters and the feature-set version),
the check that refuses a table made otherwise, and the choice of the tracks
whose rows are kept.
"""

import json
import os

from .._version import __version__
from ..feature_table import read_rows, write_rows
from .tracks import file_sha256

__all__ = ["ResumeMismatchError", "extractor_signature", "write_meta", "check_resumable", "prepare_resume"]


class ResumeMismatchError(ValueError):
    """``resume`` was asked of a table made with other parameters."""


def _extractor_params(extractor):
    """The parameters that change a table's values, as JSON values (tuples as lists)."""
    params = {k: v for k, v in extractor.get_params().items() if k not in ("memory", "n_jobs", "on_error")}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def extractor_signature(extractor):
    """What a table's values depend on: the fitted extractor's feature-set version and parameters."""
    return {"feature_set_version": extractor.feature_set_version_, "params": _extractor_params(extractor)}


def write_meta(meta_path, extractor, n_columns):
    """Write the metadata file beside a table (``OUTPUT.meta.json``)."""
    with open(meta_path, "w", encoding="utf-8") as f:
        json.dump(
            {**extractor_signature(extractor), "musicfeat": __version__, "columns": n_columns}, f, indent=1
        )


def check_resumable(meta_path, extractor, header, columns):
    """Raise :class:`ResumeMismatchError` unless the table was made by this extractor.

    Parameters
    ----------
    meta_path : str
        The table's metadata file (checked when it exists).
    extractor : MusicFeatures
        Fitted.
    header : list of str or None
        The table's header (None for an empty table).
    columns : list of str
        The columns this extractor writes.
    """
    if os.path.exists(meta_path):
        with open(meta_path, encoding="utf-8") as f:
            old = json.load(f)
        new = extractor_signature(extractor)
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


def prepare_resume(paths, extractor, columns, tracks):
    """The tracks still to do, and how many are done; rewrites the table without stale rows.

    A row is kept when its track is still under the root with the same
    SHA-256; rows of changed or vanished files, duplicates and short rows
    are dropped.

    Parameters
    ----------
    paths : musicfeat.feature_table.TablePaths
    extractor : MusicFeatures
        Fitted.
    columns : list of str
    tracks : list of Track

    Returns
    -------
    todo : list of Track
    done : int
    """
    header, rows = read_rows(paths.rows)
    check_resumable(paths.meta, extractor, header, columns)
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
        write_rows(paths.rows, columns, kept)
    return [t for t in tracks if t.relpath not in done], len(done)
