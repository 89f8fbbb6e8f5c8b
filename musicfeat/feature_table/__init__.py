"""The feature table: its columns, the append-only line file, CSV/Parquet, and reading it back.

The room of the table format, apart from extraction: :mod:`musicfeat.batch`
writes tables through it, and the command line, the analyses and
:func:`load_features` read them through it. A table is a CSV (or Parquet)
file: the :data:`METADATA_COLUMNS`, then one column per feature, one line
per track. Names (``path``, ``label``) are written with the lossless
escaping of :mod:`musicfeat.table_text` (undecodable bytes and control
characters as ``\\xNN``, a leading ``=``, ``+``, ``-``, ``@`` or ``'``
behind a single quote), so that every record is one line of valid UTF-8
that a spreadsheet never runs as a formula; :func:`load_features` gives the
names back exactly.

A table is written one whole line per ``write()`` (:class:`LineFile`), so a
process killed between two rows leaves whole lines, and a line cut by a
crash mid-write is dropped when the file is read or appended to. Every
rewrite (resume, sorting, Parquet) goes to a temporary file renamed over the
table. Parquet output is written as such a CSV (``OUTPUT.partial.csv``) and
converted when the run finishes. Nothing is pickled. Reading refuses a file
that does not parse as a table (:class:`TableFormatError`, naming the line
and the column) rather than narrowing it silently.

This module says what a table's columns and files are; writing the file
(:class:`LineFile`, the atomic rewrites, the sort) and reading it back
(:func:`read_table`, :func:`load_features`) are in two private modules of
this package, whose names are all given here.
"""

import dataclasses
import os

from .. import table_text as _text
from ..table_text import TableFormatError

#: Columns before the features, in order. ``params_digest`` identifies the
#: extractor's parameters (see :func:`musicfeat.batch.resume.params_digest`).
METADATA_COLUMNS = ("path", "label", "duration_s", "feature_set_version", "content_sha256", "params_digest")
#: Columns of the errors file written beside a table.
ERROR_COLUMNS = ("path", "error_type", "message")
#: Metadata columns that hold text, never numbers.
_TEXT_COLUMNS = ("path", "label", "feature_set_version", "content_sha256", "params_digest")
#: Columns holding names, escaped in the file (tables with a ``params_digest`` column).
_NAME_COLUMNS = ("path", "label")
#: Names a table is written under (compressed ones are read, not written:
#: a table is appended to as it grows).
_WRITTEN = (".csv", ".parquet")
_READ_ONLY = (".csv.gz", ".csv.xz", ".csv.bz2")


@dataclasses.dataclass(frozen=True)
class TablePaths:
    """The files of one output table, each named from the whole output name.

    Attributes
    ----------
    output : str
        The table the user asked for (absolute).
    rows : str
        The appendable CSV the rows go to: ``output`` itself, or
        ``output + '.partial.csv'`` for Parquet.
    errors : str
        ``output + '.errors.csv'``: the failures of the last run (absent
        when nothing failed).
    meta : str
        ``output + '.meta.json'``: the extractor's parameters and version.
    lock : str
        ``output + '.lock'``: held by the run writing the table.
    parquet : bool
    fitted : str
        ``output + '.fitted.npz'``: what a feature set that learns (a
        codebook) learnt from the folder, as plain arrays; absent otherwise.
    index : str
        ``output + '.index.json'``: the size, modification time and SHA-256
        of each row's file when it was hashed, so that a resume reads only
        the files that changed since.
    legacy_errors : str
        ``STEM.errors.csv``, where an earlier musicfeat wrote the failures
        (shared by ``STEM.csv`` and ``STEM.parquet``).
    """

    output: str
    rows: str
    errors: str
    meta: str
    lock: str
    parquet: bool
    fitted: str = ""
    index: str = ""
    legacy_errors: str = ""


def table_paths(output):
    """The :class:`TablePaths` of an output table (``~`` expanded).

    Examples
    --------
    >>> from musicfeat.feature_table import table_paths
    >>> paths = table_paths("/data/features.parquet")
    >>> paths.rows, paths.errors
    ('/data/features.parquet.partial.csv', '/data/features.parquet.errors.csv')
    """
    output = os.path.abspath(os.path.expanduser(os.fspath(output)))
    stem, ext = os.path.splitext(output)
    parquet = ext.lower() == ".parquet"
    rows = output + ".partial.csv" if parquet else output
    return TablePaths(
        output,
        rows,
        output + ".errors.csv",
        output + ".meta.json",
        output + ".lock",
        parquet,
        output + ".fitted.npz",
        output + ".index.json",
        stem + ".errors.csv",
    )


def check_output_name(output):
    """Refuse, with a ValueError naming it, an output that is not named ``.csv`` or ``.parquet``.

    What a name ends with says what is written: ``-o out.xlsx`` would
    otherwise be a CSV under a spreadsheet's name. Compressed names
    (``.csv.gz``) are read, not written: a table grows as its rows finish.

    Examples
    --------
    >>> from musicfeat.feature_table import check_output_name
    >>> check_output_name("features.CSV")
    >>> check_output_name("features.xlsx")
    Traceback (most recent call last):
    ...
    ValueError: features.xlsx: tables are written as .csv or .parquet, not '.xlsx': name it features.csv or features.parquet
    """
    name = os.fspath(output)
    lower = name.lower()
    if lower.endswith(_WRITTEN):
        return
    if lower.endswith(_READ_ONLY):
        raise ValueError(f"{name}: tables are written as .csv or .parquet; compress the finished table")
    stem, ext = os.path.splitext(os.path.basename(name))
    what = f"not {ext!r}" if ext else "and this name has no extension"
    raise ValueError(
        f"{name}: tables are written as .csv or .parquet, {what}: name it {stem}.csv or {stem}.parquet"
    )


def feature_row(relpath, label, duration, version, sha256, digest, row):
    """The cells of one track's line, in :data:`METADATA_COLUMNS` order then the features.

    Names are escaped (:func:`~musicfeat.table_text.encode_text`); floats are
    written with ``repr``, which reads back to the same float64.
    """
    return [
        _text.encode_text(relpath),
        _text.encode_text(label),
        repr(float(duration)),
        version,
        sha256,
        digest,
    ] + [repr(float(v)) for v in row]


def error_row(relpath, error_type, message):
    """The cells of one line of the errors file (:data:`ERROR_COLUMNS`), escaped."""
    return [_text.encode_text(relpath), _text.encode_text(error_type), _text.encode_text(message)]


def table_kind(header):
    """``'musicfeat'``, ``'legacy'`` (an earlier musicfeat's: no digest, names written as they are) or ``'foreign'``."""
    if tuple(header[: len(METADATA_COLUMNS)]) == METADATA_COLUMNS:
        return "musicfeat"
    if tuple(header[:5]) == METADATA_COLUMNS[:5]:
        return "legacy"
    return "foreign"


def is_errors_file(path):
    """Whether ``path`` is an errors file musicfeat wrote: its first line is :data:`ERROR_COLUMNS`.

    Only such a file is ever replaced or removed by a run: a table, or any
    other file, that happens to have an errors file's name is left alone.
    """
    try:
        with open(path, "rb") as f:
            first = f.readline(256)
    except OSError:
        return False
    return first == (",".join(ERROR_COLUMNS) + "\n").encode("ascii")


# The writing and the reading, which use the names above.
from ._files import LineFile, has_header, holds_rows, sort_rows, write_rows  # noqa: E402
from ._reading import (  # noqa: E402
    load_features,
    parquet_to_rows,
    read_rows,
    read_table,
    rows_to_parquet,
)

__all__ = [
    "METADATA_COLUMNS",
    "ERROR_COLUMNS",
    "TableFormatError",
    "TablePaths",
    "table_paths",
    "check_output_name",
    "is_errors_file",
    "holds_rows",
    "feature_row",
    "error_row",
    "LineFile",
    "table_kind",
    "read_rows",
    "has_header",
    "write_rows",
    "sort_rows",
    "parquet_to_rows",
    "rows_to_parquet",
    "read_table",
    "load_features",
]
