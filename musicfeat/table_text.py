"""The text of feature tables: names escaped losslessly, and CSV lines written whole.

A leaf helper of the table format (:mod:`musicfeat.feature_table`), which
says what the columns are, and of the command line, which prints names the
same way; it knows nothing of the columns' meaning.

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

import re

__all__ = ["encode_text", "decode_text", "printable", "csv_line"]

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
