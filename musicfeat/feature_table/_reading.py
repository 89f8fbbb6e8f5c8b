"""Reading a table back: checked cells, a DataFrame, ``load_features``, and Parquet to CSV and back.

Part of :mod:`musicfeat.feature_table`, which gives these names.
"""

import os

import numpy as np

from .._optional import require
from ..table_text import TableFormatError, decode_text, parse_numbers, read_csv
from . import _NAME_COLUMNS, _TEXT_COLUMNS, METADATA_COLUMNS, table_kind
from ._files import replace_atomically, write_rows

__all__ = ["read_rows", "read_table", "load_features", "parquet_to_rows", "rows_to_parquet"]


def read_rows(path):
    """A CSV table as text cells (:class:`~musicfeat.table_text.RawTable`), checked to be a table.

    In a musicfeat table a last line without its line end is a row cut by a
    crash, and is dropped; in any other table it is the last row. See
    :func:`~musicfeat.table_text.read_csv` for what is refused.
    """
    return read_csv(os.fspath(path), drops_cut_line=lambda header: table_kind(header) != "foreign")


def parquet_to_rows(parquet_path, rows_path):
    """Turn a finished Parquet table back into the appendable CSV (for resume).

    A 0-byte Parquet file (a run stopped before writing it, a ``touch``) is
    an empty table: nothing is written, as for a 0-byte CSV.
    """
    if os.path.getsize(parquet_path) == 0:
        return
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
    replace_atomically(parquet_path, lambda f: table.to_parquet(f, index=False), "writing")
    os.remove(rows_path)


def read_table(path, *, text_columns=(), decode=True, finite=False):
    """A table (CSV, compressed CSV or Parquet) as a pandas DataFrame; numeric columns as numbers.

    In a musicfeat table every column but the text metadata must hold a
    number in every row. In a table from elsewhere a column is numeric when
    its cells are numbers (an empty cell is NaN), text when none is; a
    column holding numbers and other words is refused, naming the first
    word, rather than dropped from the features.

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
        if os.path.getsize(path) == 0:
            raise TableFormatError(f"{path!r} is empty (0 bytes): not a table.")
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
    if kind != "foreign" and table["path"].duplicated().any():
        # A changed file's earlier row stays until its new one is written, after it; a run
        # interrupted before its final sort leaves both: the later is the file's row.
        table = table[~table["path"].duplicated(keep="last")].reset_index(drop=True)
    if decode and kind == "musicfeat":
        for name in _NAME_COLUMNS:
            names = [decode_text(cell) for cell in table[name]]
            try:
                table[name] = pd.Series(names, index=table.index)
            except UnicodeEncodeError:  # undecodable bytes cannot be Arrow strings
                table[name] = pd.Series(names, index=table.index, dtype=object)
    return table


def load_features(path, *, label_column="label", finite=False, text_columns=()):
    """Read a feature table back: ``(X, y, feature_names, table)``.

    Works on tables written by :func:`~musicfeat.extract_folder` (CSV or
    Parquet) and on any CSV with a label column and numeric feature columns,
    such as tables from other tools or older studies, compressed or not
    (``.csv.gz``, ``.csv.xz``, ``.csv.bz2``). Feature columns are the
    numeric columns other than the label and musicfeat's metadata columns
    (``path``, ``duration_s``, ...). A table that does not parse (a short
    row, a word in a column of numbers, duplicate column names) is refused
    with :class:`TableFormatError` naming the line and the column; no
    column is dropped silently. In a table from elsewhere, a column in
    which no cell is a number (song titles, artists) is text, not a
    feature, and stays in ``table``; a column that holds numbers and words
    (``NA`` among tempi, or a few titles that are numbers) is refused,
    naming the first word (name a column of names in ``text_columns``); a
    table with no column of numbers is refused, naming its text columns. A
    musicfeat table never holds NaN or infinity, and one that does is
    refused; in a table from elsewhere an empty cell is a missing value, NaN
    (``finite=True`` refuses it, naming its line). In a
    musicfeat table, a line cut short by an interrupted run is ignored, a
    path written twice (a changed file extracted again by a resumed run
    stopped before its end) gives its later row, and ``path`` and ``label``
    come back exactly as the file system names them (see
    :mod:`musicfeat.table_text`). Rows come in the file's order, which
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
    text_columns : sequence of str, default=()
        Columns of a table from elsewhere read as text whatever they hold
        (names, some of which look like numbers); never features.

    Returns
    -------
    X : np.ndarray [shape=(n_tracks, n_features), dtype=float64]
    y : np.ndarray of str, or None
    feature_names : list of str
    table : pandas.DataFrame
        The whole table.

    Raises
    ------
    TableFormatError
        For a table that does not parse, or holds no column of numbers.

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

    table = read_table(path, text_columns=(label_column, *text_columns), finite=finite)
    skip = set(METADATA_COLUMNS) | {label_column} | set(text_columns)
    candidates = [c for c in table.columns if c not in skip]
    names = [c for c in candidates if is_numeric_dtype(table[c]) and not is_bool_dtype(table[c])]
    if not names and len(table.columns) > 0 and candidates:
        text = ", ".join(f"{c!r}" for c in candidates[:5]) + (", ..." if len(candidates) > 5 else "")
        first = table[candidates[0]].iloc[0] if len(table) else ""
        raise TableFormatError(
            f"{os.fspath(path)!r} has no column of numbers to use as features: {text} hold text "
            f"(such as {str(first)!r} in {candidates[0]!r}). A feature column holds one number per row."
        )
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
