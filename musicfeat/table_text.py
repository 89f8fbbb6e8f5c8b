"""The text of feature tables: names escaped losslessly, CSV lines written and parsed back.

A leaf helper of the table format (:mod:`musicfeat.feature_table`), which
says what the columns are, and of the command line, which prints names the
same way. This module writes one CSV line of cells, and reads a CSV file
(compressed or not) back into checked rows of cells, numbers where a column
holds numbers; it knows nothing of the columns' meaning.

File names are
arbitrary bytes on POSIX (any byte but ``/`` and NUL): Python gives the
bytes that are not UTF-8 as lone surrogates (``os.fsdecode``,
surrogateescape), which no UTF-8 file can hold, and a carriage return or a
line feed in a name would split a CSV line for line-based tools. A name
cell is therefore written as:

- ``\\\\`` for a backslash;
- ``\\xNN`` for the byte NN of the name, when it is a control character
  (``\\x0a`` for a line feed, ``\\x0d`` for a carriage return, ``\\x09`` for
  a tab) or a byte that is not UTF-8 (``\\xff``);
- ``\\uNNNN`` for the characters that other tools read as line breaks
  (U+0085, U+2028, U+2029), the other C1 controls, and lone surrogates that
  do not stand for a byte;
- then, if the cell starts with ``=``, ``+``, ``-``, ``@`` or ``'``, a
  single quote before it, so that a spreadsheet shows it as text and never
  runs it as a formula (the usual defence against CSV formula injection).

:func:`decode_text` undoes exactly that, so every name comes back as the
same ``str`` (and ``os.fsencode`` of it as the same bytes). Every other
character, accents and CJK included, is written as itself, in UTF-8.
Imports nothing else of the package.
"""

import bz2
import csv
import gzip
import io
import lzma
import os
import re
from dataclasses import dataclass

import numpy as np

__all__ = [
    "encode_text",
    "decode_text",
    "printable",
    "csv_line",
    "TableFormatError",
    "RawTable",
    "read_csv",
    "parse_numbers",
]

_ESCAPED = re.compile("[\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_ESCAPE = re.compile(r"\\(?:x([0-9a-f]{2})|u([0-9a-f]{4})|(\\))")
#: Cell starts a spreadsheet may run as a formula (tab and CR are escaped
#: already), and the quote that marks a neutralised cell.
_FORMULA_STARTS = ("=", "+", "-", "@", "'")
_NEEDS_QUOTES = re.compile('[",\r\n]')


def _escape(match):
    char = match.group()
    code = ord(char)
    if char == "\\":
        return "\\\\"
    if code < 0x80:
        return f"\\x{code:02x}"  # a control character: its byte
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # a byte that is not UTF-8 (surrogateescape)
    return f"\\u{code:04x}"


def _unescape(match):
    byte, char, _ = match.groups()
    if byte is not None:
        value = int(byte, 16)
        return chr(value) if value < 0x80 else chr(0xDC00 + value)
    if char is not None:
        return chr(int(char, 16))
    return "\\"


def encode_text(text):
    """A name as a table cell: escaped, and neutralised for spreadsheets.

    Parameters
    ----------
    text : str
        A name as Python gives it (undecodable bytes as surrogate escapes).

    Returns
    -------
    str
        Valid UTF-8, with no control character and no formula start.

    Examples
    --------
    >>> from musicfeat.table_text import encode_text
    >>> encode_text("Spëech/take\\n2.wav"), encode_text("=1+1.wav")
    ('Spëech/take\\\\x0a2.wav', "'=1+1.wav")
    >>> encode_text(b"caf\\xe9.wav".decode("utf-8", "surrogateescape"))
    'caf\\\\xe9.wav'
    """
    text = _ESCAPED.sub(_escape, text)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def decode_text(cell):
    """The name a cell written by :func:`encode_text` stands for.

    Examples
    --------
    >>> import os
    >>> from musicfeat.table_text import decode_text, encode_text
    >>> name = os.fsdecode(b"-\\xff\\r.wav")
    >>> decode_text(encode_text(name)) == name
    True
    """
    if cell.startswith("'"):
        cell = cell[1:]
    return _ESCAPE.sub(_unescape, cell)


def printable(text):
    """A name as shown on one line of a terminal or a page: escaped, without the spreadsheet quote.

    Examples
    --------
    >>> from musicfeat.table_text import printable
    >>> print(printable("fake\\n# 1 line.wav"))
    fake\\x0a# 1 line.wav
    """
    return _ESCAPED.sub(_escape, text)


def _quoted(cell):
    return '"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES.search(cell) else cell


def csv_line(values):
    """One CSV line (``\\n``-terminated, UTF-8 bytes) of ``values``.

    A cell is quoted when it holds a comma, a quote, a carriage return or a
    line feed (Python's ``csv`` module before 3.13 leaves a bare carriage
    return unquoted when the line ends in ``\\n``, which splits the record
    for every reader).

    Examples
    --------
    >>> from musicfeat.table_text import csv_line
    >>> csv_line(["a,b", "x\\ry", "1.5"])
    b'"a,b","x\\ry",1.5\\n'
    """
    cells = [_quoted(str(v)) for v in values]
    if cells == [""]:
        cells = ['""']  # a lone empty cell, not an empty line
    return (",".join(cells) + "\n").encode("utf-8")


class TableFormatError(ValueError):
    """A file that does not parse as a table; the message names the file, line and column."""


@dataclass(frozen=True)
class RawTable:
    """A CSV file as text: its header, its rows of cells, and the file line each row starts on."""

    name: str
    header: list
    rows: list
    lines: list


_DECOMPRESS = {".gz": gzip, ".xz": lzma, ".bz2": bz2}


def _read_text(path):
    with open(path, "rb") as f:
        opener = _DECOMPRESS.get(os.path.splitext(path)[1].lower())
        try:
            data = f.read() if opener is None else opener.open(f).read()
        except (EOFError, OSError, lzma.LZMAError) as error:
            raise TableFormatError(f"{path!r} is not a readable compressed file ({error}).") from None
    try:
        return data.decode("utf-8-sig")  # a byte-order mark, as spreadsheets save UTF-8 CSV, is skipped
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise TableFormatError(
            f"{path!r}, line {line}: not UTF-8 text (byte 0x{data[error.start]:02x}). "
            "Save the table as UTF-8 CSV."
        ) from None


def read_csv(path, *, drops_cut_line):
    """A CSV file as a :class:`RawTable`, checked to be a table.

    The file may be compressed (``.gz``, ``.xz``, ``.bz2``: by its name) and
    may start with a UTF-8 byte-order mark. Blank lines are skipped.

    Parameters
    ----------
    path : str
    drops_cut_line : callable
        ``drops_cut_line(header)`` is True when a last line without its line
        end is a row cut by a crash, to drop (a file whose every line was
        written whole), False when it is the last row.

    Raises
    ------
    TableFormatError
        For an empty file, text that is not UTF-8, duplicate column names,
        or a row whose number of cells is not the header's (naming its line).
    """
    text = _read_text(path)
    # A cell may be as long as the table (a long name, a text column): the
    # text is in memory already, so csv's default 131,072-character guard
    # protects nothing; it is lifted for this read and restored.
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, min(len(text) + 1, _LARGEST_FIELD)))
    try:
        return _parse_csv(path, text, drops_cut_line)
    finally:
        csv.field_size_limit(limit)


#: csv.field_size_limit's largest accepted value (a C long on every platform).
_LARGEST_FIELD = 2**31 - 1


def _parse_csv(path, text, drops_cut_line):
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _rows_of(path, text, reader, drops_cut_line)
    except csv.Error as error:
        raise TableFormatError(f"{path!r}, line {reader.line_num}: not CSV ({error}).") from None


def _rows_of(path, text, reader, drops_cut_line):
    header = next(reader, None)
    if not header:
        raise TableFormatError(f"{path!r} is empty: not a table.")
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        where = "; ".join(
            f"{c!r} (columns {' and '.join(str(i + 1) for i, h in enumerate(header) if h == c)})"
            for c in duplicated
        )
        raise TableFormatError(f"{path!r} has duplicate column names: {where}. Rename them.")
    if not text.endswith("\n") and drops_cut_line(header):
        reader = csv.reader(io.StringIO(text[: text.rfind("\n") + 1], newline=""))
        next(reader, None)
    rows, lines, line = [], [], reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not row:
            continue
        if len(row) != len(header):
            raise TableFormatError(
                f"{path!r}, line {start}: {len(row)} cells where the header has {len(header)}. "
                "Fix or remove that line."
            )
        rows.append(row)
        lines.append(start)
    return RawTable(path, header, rows, lines)


_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


def parse_numbers(raw, j, *, strict, finite=False):
    """Column ``j`` of a :class:`RawTable` as numbers, or None if it is text.

    ``strict``: every cell must be a finite float (a table whose schema says
    so: musicfeat never writes NaN or infinity). Otherwise an empty cell is
    NaN, a column of whole numbers is int64, a column in which no cell is a
    number is text, and a column holding numbers and other words is refused
    whatever their proportion (``NA`` in a column of tempi is a word: it is
    not read as a missing value, and the column is not silently taken for
    text); ``finite`` then refuses empty, NaN and infinite cells in a column
    of numbers (features to learn from).

    Raises
    ------
    TableFormatError
        For a cell that is not a number in a column of numbers, naming its
        line and column.
    """
    cells = [row[j] for row in raw.rows]
    if not strict:
        cells = [c if c.strip() else "nan" for c in cells]
    try:
        numbers = np.array(cells, dtype=np.float64)
    except ValueError:
        bad = [i for i, cell in enumerate(cells) if not _is_float(cell)]
        good = [i for i, cell in enumerate(cells) if _is_float(cell) and raw.rows[i][j].strip()]
        if not strict and not good:
            return None
        i = bad[0]
        what = "an empty cell" if not cells[i].strip() else f"{cells[i]!r}, which is not a number"
        if strict or 2 * len(bad) < len(bad) + len(good):
            raise TableFormatError(
                f"{raw.name!r}, line {raw.lines[i]}, column {raw.header[j]!r}: {what}, in a column of numbers. "
                "Fix or remove that line."
            ) from None
        k = good[0]
        raise TableFormatError(
            f"{raw.name!r}, line {raw.lines[i]}, column {raw.header[j]!r}: {what}, in a column that holds "
            f"numbers too (line {raw.lines[k]}: {cells[k]!r}). Fix or remove those lines, or, if it is a "
            "column of names, name it in text_columns."
        ) from None
    if (strict or finite) and not np.isfinite(numbers).all():
        i = int(np.flatnonzero(~np.isfinite(numbers))[0])
        what = (
            "an empty cell" if not raw.rows[i][j].strip() else f"{cells[i]!r}, which is not a finite number"
        )
        raise TableFormatError(
            f"{raw.name!r}, line {raw.lines[i]}, column {raw.header[j]!r}: {what}, in a column of features. "
            "Fill or remove that line."
        )
    if not strict and cells and all(_INTEGER.fullmatch(c) for c in cells):
        return numbers.astype(np.int64)
    return numbers


def _is_float(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True
