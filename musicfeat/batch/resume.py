"""Resuming a run: is the table's extractor this one, and which tracks are still to do.

The room of ``resume=True`` in :mod:`musicfeat.batch`: the metadata file
beside a table (the extractor's parameters and the feature-set version),
the digest of those parameters that every row carries (``params_digest``,
so the table itself says how it was made, with or without its metadata
file), the check that refuses a table made otherwise, and the choice of the
rows kept. A resumed run never deletes a finished row: rows whose file is
not found now (an unmounted drive, a wrong root) are kept as they are, and
the row of a file whose content changed is kept until its new row is
written (a changed file that now fails keeps its earlier row).
"""

import json
import os
from dataclasses import dataclass, field

from .._version import __version__
from ..feature_table import METADATA_COLUMNS, read_rows, table_kind, write_rows
from ..table_text import decode_text, encode_text
from ..value_identity import accepted_digests, value_digest, value_params, value_signature
from .tracks import FileIndex

__all__ = [
    "ResumeMismatchError",
    "ResumePlan",
    "params_digest",
    "write_meta",
    "check_resumable",
    "prepare_resume",
]

_VERSION, _SHA, _DIGEST = (
    METADATA_COLUMNS.index(c) for c in ("feature_set_version", "content_sha256", "params_digest")
)


class ResumeMismatchError(ValueError):
    """``resume`` was asked of a table made with other parameters."""


def params_digest(extractor):
    """16 hex digits naming the extractor's parameters: the ``params_digest`` of every row it writes.

    A digest of the parameters that differ from their defaults (the
    defaults belong to the feature-set version, which has a column of its
    own), so that a parameter added by a later musicfeat, at its default,
    keeps old tables resumable.

    Examples
    --------
    >>> from musicfeat import MusicFeatures
    >>> from musicfeat.batch.resume import params_digest
    >>> params_digest(MusicFeatures()) == params_digest(MusicFeatures(band_counts=[4, 11, 24]))
    True
    >>> params_digest(MusicFeatures()) == params_digest(MusicFeatures(hop_length=256))
    False
    """
    return value_digest(extractor)


def write_meta(meta_path, extractor, n_columns):
    """Write the metadata file beside a table (``OUTPUT.meta.json``), atomically."""
    meta = {**value_signature(extractor), "musicfeat": __version__, "columns": n_columns}
    tmp = f"{meta_path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1, default=repr)
    os.replace(tmp, meta_path)


def check_resumable(meta_path, extractor, header, columns):
    """Raise :class:`ResumeMismatchError` unless the metadata and the header are this extractor's.

    Parameters
    ----------
    meta_path : str
        The table's metadata file (checked when it exists).
    extractor : MusicFeatures
        Fitted.
    header : list of str
        The table's header.
    columns : list of str
        The columns this extractor writes.
    """
    if os.path.exists(meta_path):
        with open(meta_path, encoding="utf-8") as f:
            old = json.load(f)
        new = value_signature(extractor)
        if old.get("feature_set_version") != new["feature_set_version"]:
            raise ResumeMismatchError(
                f"cannot resume: the table has feature set {old.get('feature_set_version')!r}, "
                f"this musicfeat makes {new['feature_set_version']!r}. Write to a new file."
            )
        # A parameter the table's metadata predates had its default's effect.
        defaults = value_params(type(extractor)())
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
    legacy = table_kind(header) == "legacy" and header[5:] == columns[len(METADATA_COLUMNS) :]
    if header != columns and not legacy:
        raise ResumeMismatchError(
            "cannot resume: the table's columns differ from this extractor's. Write to a new file."
        )
    if legacy and not os.path.exists(meta_path):
        raise ResumeMismatchError(
            "cannot resume: the table was written by an earlier musicfeat, whose tables record their parameters "
            f"only in {os.path.basename(meta_path)!r}, which is missing. Write to a new file."
        )


def _recorded_params(meta_path):
    try:
        with open(meta_path, encoding="utf-8") as f:
            return json.load(f).get("params")
    except (OSError, ValueError, AttributeError):
        return None


def _check_rows(raw, extractor, digest, meta_path):
    """Every row must carry this extractor's feature-set version and a digest of its values' parameters.

    A digest of an earlier musicfeat (``engine`` and ``max_duration`` in it)
    is accepted when the rest agrees.
    """
    version = extractor.feature_set_version_
    accepted = accepted_digests(extractor, recorded=_recorded_params(meta_path))
    for row, line in zip(raw.rows, raw.lines, strict=True):
        if row[_VERSION] != version:
            raise ResumeMismatchError(
                f"cannot resume: line {line} of the table has feature set {row[_VERSION]!r}, "
                f"this musicfeat makes {version!r}. Write to a new file."
            )
        if row[_DIGEST] not in accepted:
            missing = (
                "" if os.path.exists(meta_path) else " (its metadata file, which would say which, is missing)"
            )
            raise ResumeMismatchError(
                f"cannot resume: line {line} of the table was extracted with other parameters "
                f"(params_digest {row[_DIGEST]!r}; these parameters give {digest!r}){missing}. "
                "Use the same parameters, or write to a new file."
            )


@dataclass
class ResumePlan:
    """What a resumed run does.

    Attributes
    ----------
    todo : list of Track
        Tracks to extract: new, changed, or failed before.
    done : int
        Tracks whose row is kept (same path and content).
    kept_missing : int
        Rows kept whose file was not found (or could not be read) now.
    changed : set of str
        Paths (relative) of files whose content changed: their rows stay
        in the table until a new row replaces them.
    shas : dict
        ``{relpath: content_sha256}`` of every row kept.
    index : FileIndex
        What is known of the files of the rows kept.
    hashed_bytes : int
        Bytes read to hash files whose size or time changed (or all, with
        ``verify``).
    in_order : bool
        The rows kept are sorted by path, one per path: a run that adds
        none need not sort the table again.
    """

    todo: list
    done: int
    kept_missing: int
    changed: set = field(default_factory=set)
    shas: dict = field(default_factory=dict)
    index: "FileIndex" = None
    hashed_bytes: int = 0
    in_order: bool = False


def prepare_resume(paths, extractor, columns, tracks, *, verify=False):
    """The tracks still to do; rewrites the table (atomically) if rows must go.

    A row is kept when its file is unchanged (same path and SHA-256), and
    when its file is not found under the root or cannot be read: a resume
    never deletes a finished row. A file is known unchanged without reading
    it when its size and modification time (ns) are those recorded in the
    table's index (``OUTPUT.index.json``, see :class:`FileIndex`) when it
    was last hashed, with the SHA-256 of its row; otherwise (no index, a
    file touched since, ``verify``) it is read and hashed. The row of a
    changed file is kept until the run writes its new row (the later line
    of a path wins, here and when the table is sorted), so that a changed
    file that now fails keeps its earlier row. Of two rows of one path, the
    later is kept. A table of an earlier musicfeat (names written as they
    were, no ``params_digest``) is rewritten in this version's form.

    Parameters
    ----------
    paths : musicfeat.feature_table.TablePaths
    extractor : MusicFeatures
        Fitted.
    columns : list of str
    tracks : list of Track
    verify : bool, default=False
        Hash every file with a row, trusting no recorded size and time.

    Returns
    -------
    ResumePlan

    Raises
    ------
    ResumeMismatchError
        If the table was made with other parameters or another feature set.
    musicfeat.table_text.TableFormatError
        If the table does not parse (a row of the wrong length, ...).
    """
    raw = read_rows(paths.rows)
    check_resumable(paths.meta, extractor, raw.header, columns)
    digest = params_digest(extractor)
    migrated = raw.header != columns
    if migrated:  # an earlier musicfeat's table: escape the names, add the digest
        rows = [[encode_text(r[0]), encode_text(r[1]), *r[2:5], digest, *r[5:]] for r in raw.rows]
        raw = type(raw)(raw.name, columns, rows, raw.lines)
    _check_rows(raw, extractor, digest, paths.meta)
    # Rows digested the old way (engine and max_duration in it) take today's digest: rewritten once.
    relabelled = any(row[_DIGEST] != digest for row in raw.rows)
    for row in raw.rows:
        row[_DIGEST] = digest
    names = [decode_text(row[0]) for row in raw.rows]
    last = {relpath: k for k, relpath in enumerate(names)}  # the later row of a path is the newer
    kept = [row for k, row in enumerate(raw.rows) if last[names[k]] == k]
    kept_names = [name for k, name in enumerate(names) if last[name] == k]
    current = {t.relpath: t for t in tracks}
    index = FileIndex.load(paths.index)
    plan = ResumePlan([], 0, 0, index=index)
    plan.in_order = all(a < b for a, b in zip(kept_names, kept_names[1:], strict=False))
    for relpath, row in zip(kept_names, kept, strict=True):
        plan.shas[relpath] = row[_SHA]
        track = current.get(relpath)
        if track is None:
            plan.kept_missing += 1
            continue
        try:
            if not verify and index.unchanged(track.path, row[_SHA]):
                plan.done += 1
                continue
            sha, size = index.hash(track.path)
        except OSError:
            plan.kept_missing += 1  # cannot be read now: keep what was found, do not try again
            continue
        plan.hashed_bytes += size
        if sha == row[_SHA]:
            plan.done += 1
        else:
            plan.changed.add(relpath)  # extracted again; its row stays until the new one is written
    plan.todo = [t for t in tracks if t.relpath not in plan.shas or t.relpath in plan.changed]
    if migrated or relabelled or len(kept) != len(raw.rows):
        write_rows(paths.rows, columns, kept)
    return plan
