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
"""

import os
from dataclasses import dataclass

import numpy as np

from ._optional import require
from .table_text import TableFormatError, csv_line, decode_text, encode_text, parse_numbers, read_csv

__all__ = [
    "METADATA_COLUMNS",
    "ERROR_COLUMNS",
    "TableFormatError",
    "TablePaths",
    "table_paths",
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

#: Columns before the features, in order. ``params_digest`` identifies the
#: extractor's parameters (see :func:`musicfeat.batch.resume.params_digest`).
METADATA_COLUMNS = ("path", "label", "duration_s", "feature_set_version", "content_sha256", "params_digest")
#: Columns of the errors file written beside a table.
ERROR_COLUMNS = ("path", "error_type", "message")
#: Metadata columns that hold text, never numbers.
_TEXT_COLUMNS = ("path", "label", "feature_set_version", "content_sha256", "params_digest")
#: Columns holding names, escaped in the file (tables with a ``params_digest`` column).
_NAME_COLUMNS = ("path", "label")


@dataclass(frozen=True)
class TablePaths:
    """The files of one output table.

    Attributes
    ----------
    output : str
        The table the user asked for (absolute).
    rows : str
        The appendable CSV the rows go to: ``output`` itself, or
        ``output + '.partial.csv'`` for Parquet.
    errors : str
        ``STEM.errors.csv``: the failures of the last run (absent when
        nothing failed).
    meta : str
        ``output + '.meta.json'``: the extractor's parameters and version.
    lock : str
        ``output + '.lock'``: held by the run writing the table.
    parquet : bool
    fitted : str
        ``output + '.fitted.npz'``: what a feature set that learns (a
        codebook) learnt from the folder, as plain arrays; absent otherwise.
    """

    output: str
    rows: str
    errors: str
    meta: str
    lock: str
    parquet: bool
    fitted: str = ""


def table_paths(output):
    """The :class:`TablePaths` of an output table (``.csv`` or ``.parquet``; ``~`` expanded).

    Examples
    --------
    >>> from musicfeat.feature_table import table_paths
    >>> paths = table_paths("/data/features.parquet")
    >>> paths.rows, paths.errors
    ('/data/features.parquet.partial.csv', '/data/features.errors.csv')
    """
    output = os.path.abspath(os.path.expanduser(os.fspath(output)))
    stem, ext = os.path.splitext(output)
    parquet = ext.lower() == ".parquet"
    rows = output + ".partial.csv" if parquet else output
    return TablePaths(
        output,
        rows,
        stem + ".errors.csv",
        output + ".meta.json",
        output + ".lock",
        parquet,
        output + ".fitted.npz",
    )


def feature_row(relpath, label, duration, version, sha256, digest, row):
    """The cells of one track's line, in :data:`METADATA_COLUMNS` order then the features.

    Names are escaped (:func:`~musicfeat.table_text.encode_text`); floats are
    written with ``repr``, which reads back to the same float64.
    """
    return [encode_text(relpath), encode_text(label), repr(float(duration)), version, sha256, digest] + [
        repr(float(v)) for v in row
    ]


def error_row(relpath, error_type, message):
    """The cells of one line of the errors file (:data:`ERROR_COLUMNS`), escaped."""
    return [encode_text(relpath), encode_text(error_type), encode_text(message)]


class LineFile:
    """Append-only lines, each with a single write() of the whole line, flushed to the OS.

    A process killed between two rows leaves whole lines; a line cut by a
    crash mid-write is dropped when the file is read or appended to.

    Parameters
    ----------
    path : str
    header : list of str
        Written first when the file is created, or found empty (what a
        disk-full run can leave).
    append : bool
        Append to an existing file (after dropping a cut last line) instead
        of creating it anew.
    """

    def __init__(self, path, header, append):
        self.path = path
        if append and os.path.exists(path):
            _drop_partial_last_line(path)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            if os.fstat(self._fd).st_size == 0:
                self.write(header)
        else:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            self.write(header)

    def write(self, values):
        """Append one line of ``values``; an OSError (disk full) names the file."""
        line = csv_line(values)
        try:
            written = os.write(self._fd, line)
            while written < len(line):  # a regular file takes it in one go; be safe anyway
                written += os.write(self._fd, line[written:])
        except OSError as error:
            raise OSError(error.errno, error.strerror, self.path) from error

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


def table_kind(header):
    """``'musicfeat'``, ``'legacy'`` (an earlier musicfeat's: no digest, names written as they are) or ``'foreign'``."""
    if tuple(header[: len(METADATA_COLUMNS)]) == METADATA_COLUMNS:
        return "musicfeat"
    if tuple(header[:5]) == METADATA_COLUMNS[:5]:
        return "legacy"
    return "foreign"


def read_rows(path):
    """A CSV table as text cells (:class:`~musicfeat.table_text.RawTable`), checked to be a table.

    In a musicfeat table a last line without its line end is a row cut by a
    crash, and is dropped; in any other table it is the last row. See
    :func:`~musicfeat.table_text.read_csv` for what is refused.
    """
    return read_csv(os.fspath(path), drops_cut_line=lambda header: table_kind(header) != "foreign")


def has_header(path):
    """Whether a table file holds at least its whole header line (not so after a crash before it)."""
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            if b"\n" in chunk:
                return True
    return False


def holds_rows(paths):
    """Whether an output (:class:`TablePaths`) holds at least one finished row, in its table or its Parquet's rows."""
    if paths.parquet and os.path.isfile(paths.output) and os.path.getsize(paths.output) > 0:
        return True
    if not os.path.isfile(paths.rows):
        return False
    with open(paths.rows, "rb") as f:
        seen = b""
        for chunk in iter(lambda: f.read(1 << 16), b""):
            seen += chunk
            header_end = seen.find(b"\n")
            if header_end >= 0 and seen[header_end + 1 :].strip():
                return True
    return False


def _replace_atomically(path, write):
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it over ``path``."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_rows(path, header, rows):
    """Replace ``path`` by a table of ``header`` and ``rows`` (cells as written), atomically."""

    def write(f):
        f.write(csv_line(header))
        for row in rows:
            f.write(csv_line(row))

    _replace_atomically(path, write)


def sort_rows(path):
    """Sort a table's lines by track path, atomically; the path is its first column.

    Every record of a table written by this module is one line (names are
    escaped), so lines are sorted as they are, by the name each one's path
    cell stands for: the order :func:`load_features` then gives is the same
    on every run. A table already in order is left untouched.
    """
    import csv

    index = []
    with open(path, "rb") as f:
        header = f.readline()
        offset = len(header)
        for line in f:
            if not line.endswith(b"\n"):
                break  # a cut last line is not a row
            text = line.decode("utf-8")
            cell = next(csv.reader([text]))[0] if text.startswith('"') else text.split(",", 1)[0]
            index.append((decode_text(cell), offset, len(line)))
            offset += len(line)
    ordered = sorted(index, key=lambda entry: entry[0])
    if ordered == index:
        return

    def write(out):
        out.write(header)
        with open(path, "rb") as f:
            for _, start, length in ordered:
                f.seek(start)
                out.write(f.read(length))

    _replace_atomically(path, write)


def parquet_to_rows(parquet_path, rows_path):
    """Turn a finished Parquet table back into the appendable CSV (for resume)."""
    table = read_table(parquet_path, decode=False)
    numeric = [table[c].dtype.kind in "fiu" for c in table.columns]
    rows = (
        [repr(float(v)) if is_number else v for v, is_number in zip(values, numeric, strict=True)]
        for values in table.itertuples(index=False)
    )
    write_rows(rows_path, list(table.columns), rows)


def rows_to_parquet(rows_path, parquet_path):
    """Write the appendable CSV as the Parquet table (names as escaped in the CSV), and remove the CSV."""
    table = read_table(rows_path, decode=False)
    _replace_atomically(parquet_path, lambda f: table.to_parquet(f, index=False))
    os.remove(rows_path)


def read_table(path, *, text_columns=(), decode=True, finite=False):
    """A table (CSV, compressed CSV or Parquet) as a pandas DataFrame; numeric columns as numbers.

    In a musicfeat table every column but the text metadata must hold a
    number in every row. In a table from elsewhere a column is numeric when
    its cells are numbers (an empty cell is NaN); a column mostly of numbers
    with a few other cells is refused, naming the first, rather than
    dropped from the features.

    Parameters
    ----------
    path : str or PathLike
        ``.csv``, ``.csv.gz``, ``.csv.xz``, ``.csv.bz2`` or ``.parquet``.
    text_columns : sequence of str
        Columns kept as text whatever they hold (a label column of years).
    decode : bool, default=True
        Give back the names (``path``, ``label``) of a musicfeat table as
        they are, rather than as escaped in the file.
    finite : bool, default=False
        Refuse an empty, NaN or infinite cell in a numeric column of a
        table from elsewhere too (a musicfeat table never holds one).

    Raises
    ------
    TableFormatError
        For a file that does not parse as a table.
    """
    pd = require("pandas", "pandas", "Reading a feature table")
    path = os.path.expanduser(os.fspath(path))
    if path.lower().endswith(".parquet"):
        require("pyarrow", "parquet", "Reading a Parquet table")
        table = pd.read_parquet(path)
        kind = table_kind(list(table.columns))
    else:
        raw = read_rows(path)
        kind = table_kind(raw.header)
        columns = {}
        for j, name in enumerate(raw.header):
            text = name in text_columns or (kind != "foreign" and name in _TEXT_COLUMNS)
            numbers = None if text else parse_numbers(raw, j, strict=kind != "foreign", finite=finite)
            columns[name] = [row[j] for row in raw.rows] if numbers is None else numbers
        table = pd.DataFrame(columns, columns=raw.header)
    if decode and kind == "musicfeat":
        for name in _NAME_COLUMNS:
            names = [decode_text(cell) for cell in table[name]]
            try:
                table[name] = pd.Series(names, index=table.index)
            except UnicodeEncodeError:  # undecodable bytes cannot be Arrow strings
                table[name] = pd.Series(names, index=table.index, dtype=object)
    return table


def load_features(path, *, label_column="label", finite=False):
    """Read a feature table back: ``(X, y, feature_names, table)``.

    Works on tables written by :func:`~musicfeat.extract_folder` (CSV or
    Parquet) and on any CSV with a label column and numeric feature columns,
    such as tables from other tools or older studies, compressed or not
    (``.csv.gz``, ``.csv.xz``, ``.csv.bz2``). Feature columns are the
    numeric columns other than the label and musicfeat's metadata columns
    (``path``, ``duration_s``, ...). A table that does not parse (a short
    row, a word in a column of numbers, duplicate column names) is refused
    with :class:`TableFormatError` naming the line and the column. A
    musicfeat table never holds NaN or infinity, and one that does is
    refused; in a table from elsewhere an empty cell is a missing value, NaN
    (``finite=True`` refuses it, naming its line). In a
    musicfeat table, a line cut short by an interrupted run is ignored, and
    ``path`` and ``label`` come back exactly as the file system names them
    (see :mod:`musicfeat.table_text`). Rows come in the file's order, which
    for a musicfeat table is sorted by path after every complete run.
    Nothing is unpickled.

    Parameters
    ----------
    path : str or PathLike
        ``~`` is expanded.
    label_column : str, default='label'
        Column of the labels, read as text; ``y`` is None if the table has
        none.
    finite : bool, default=False
        Refuse an empty, NaN or infinite feature cell in a table from
        elsewhere too, naming its line and column (``musicfeat report`` does:
        its analyses need every value).

    Returns
    -------
    X : np.ndarray [shape=(n_tracks, n_features), dtype=float64]
    y : np.ndarray of str, or None
    feature_names : list of str
    table : pandas.DataFrame
        The whole table.

    Examples
    --------
    >>> import os, tempfile
    >>> from musicfeat import load_features
    >>> path = os.path.join(tempfile.mkdtemp(), "table.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("song,year,tempo\\na.mp3,1960,120.5\\nb.mp3,1970,99\\n")
    >>> X, y, names, table = load_features(path, label_column="year")
    >>> X.tolist(), list(y), names
    ([[120.5], [99.0]], ['1960', '1970'], ['tempo'])
    """
    require("pandas", "pandas", "Reading a feature table")
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    table = read_table(path, text_columns=(label_column,), finite=finite)
    skip = set(METADATA_COLUMNS) | {label_column}
    names = [
        c
        for c in table.columns
        if c not in skip and is_numeric_dtype(table[c]) and not is_bool_dtype(table[c])
    ]
    X = table[names].to_numpy(dtype=np.float64)
    if finite and not np.isfinite(X).all():  # a Parquet table: CSV cells were checked as read
        row, col = np.argwhere(~np.isfinite(X))[0]
        raise TableFormatError(
            f"{os.fspath(path)!r}, row {row}, column {names[col]!r}: {X[row, col]}, not a finite number, "
            "in a column of features. Fill or remove that row."
        )
    y = None
    if label_column in table.columns:
        y = np.array([str(label) for label in table[label_column]], dtype=object)
    return X, y, names, table
