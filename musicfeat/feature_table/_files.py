"""Writing a table's file: whole lines appended, atomic rewrites, the sort by path.

Part of :mod:`musicfeat.feature_table`, which gives these names. An error of
the file system names the table, never only "No space left on device".
"""

import os

from ..table_text import csv_line, decode_text

__all__ = ["LineFile", "has_header", "holds_rows", "replace_atomically", "write_rows", "sort_rows"]


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


def replace_atomically(path, write, doing="rewriting"):
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it over ``path``.

    An OSError (a disk that fills) leaves ``path`` as it was, removes the
    temporary file, and is raised naming ``path`` and what was being done.
    """
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException as error:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(error, OSError) and error.filename in (None, tmp):
            reason = error.strerror or str(error)
            raise OSError(
                error.errno, f"{reason} while {doing} it (it is left as it was, {tmp!r} removed)", path
            ) from error
        raise


def write_rows(path, header, rows):
    """Replace ``path`` by a table of ``header`` and ``rows`` (cells as written), atomically."""

    def write(f):
        f.write(csv_line(header))
        for row in rows:
            f.write(csv_line(row))

    replace_atomically(path, write)


def sort_rows(path):
    """Sort a table's lines by track path, one line per path, atomically; the path is its first column.

    Every record of a table written by this module is one line (names are
    escaped), so lines are sorted as they are, by the name each one's path
    cell stands for: the order :func:`load_features` then gives is the same
    on every run. Of two lines of one path (a changed file's earlier row,
    kept until its new row was written), the later one is kept. A table
    already in order is left untouched.
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
    ordered = sorted(index, key=lambda entry: entry[:2])  # by name, then as written
    ordered = [
        entry for k, entry in enumerate(ordered) if k + 1 == len(ordered) or ordered[k + 1][0] != entry[0]
    ]
    if ordered == index:
        return

    def write(out):
        out.write(header)
        with open(path, "rb") as f:
            for _, start, length in ordered:
                f.seek(start)
                out.write(f.read(length))

    replace_atomically(path, write, "sorting")
