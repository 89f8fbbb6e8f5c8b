"""One writer per table: an exclusive lock on the output, naming its holder.

The room of concurrent runs in :mod:`musicfeat.batch`. Two runs appending
to one table would interleave their rows and each rewrite the other's
(resume, sorting). :func:`output_lock` takes an exclusive, non-blocking lock
on ``OUTPUT.lock`` (``flock`` on POSIX, ``msvcrt.locking`` on Windows) for
the whole run, and writes the holder (pid, host, start time) into it, so a
second run stops at once with :class:`OutputLockedError` saying who holds
it. The operating system releases the lock when its process ends, however
it ends, so a killed run never leaves a table locked; the file itself is
removed when the run finishes. Imports nothing else of the package.
"""

import json
import os
import socket
import time
from contextlib import contextmanager

__all__ = ["OutputLockedError", "output_lock"]


class OutputLockedError(RuntimeError):
    """Another run is writing the same output table."""


@contextmanager
def output_lock(lock_path, output):
    """Hold the lock of ``output`` (its file ``lock_path``) for the ``with`` block.

    Raises
    ------
    OutputLockedError
        If another process holds it; the message names that process.
    OSError
        If the file system gives no lock at all (``ENOLCK`` on NFS without
        its lock service), naming the lock file (``filename``); a lock file
        this attempt created is removed.

    Examples
    --------
    >>> import os, tempfile
    >>> from musicfeat.batch.lock import OutputLockedError, output_lock
    >>> lock = os.path.join(tempfile.mkdtemp(), "features.csv.lock")
    >>> with output_lock(lock, "features.csv"):
    ...     try:
    ...         with output_lock(lock, "features.csv"):
    ...             pass
    ...     except OutputLockedError as error:
    ...         print(str(error).split(" (")[0])
    'features.csv' is being written by another musicfeat run
    >>> os.path.exists(lock)
    False
    """
    fd = _acquire(lock_path, output)
    try:
        yield
    finally:
        _release(fd, lock_path)


def _acquire(lock_path, output):
    while True:
        created = not os.path.exists(lock_path)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            locked = _try_lock(fd)
        except OSError as error:  # no lock to be had at all: ENOLCK on NFS without a lock daemon
            os.close(fd)
            if created:  # ours, and nobody else's since nobody could lock it: not left behind
                _remove_quietly(lock_path)
            raise OSError(
                error.errno,
                f"cannot lock the output's lock file ({error.strerror or error}): the file system may not "
                "support locks (NFS without its lock service); write the table to a local disk",
                lock_path,
            ) from error
        if not locked:
            holder = _read_holder(fd)
            os.close(fd)
            raise OutputLockedError(
                f"{os.fspath(output)!r} is being written by another musicfeat run ({holder}). "
                "Wait for it to finish, or write to another file."
            )
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock_path))
        except FileNotFoundError:
            same = False
        if same:
            break
        # The previous holder removed the file between our open and our lock: lock the new one.
        os.close(fd)
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(holder).encode("utf-8"))
    except OSError as error:  # a full disk: no run, and no lock file left behind
        _release(fd, lock_path)
        raise OSError(
            error.errno, f"{error.strerror or error} (writing the output's lock file)", lock_path
        ) from error
    return fd


def _read_holder(fd):
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        holder = json.loads(os.read(fd, 4096))
        return f"pid {holder['pid']} on {holder['host']}, since {holder['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not said who it is yet"


def _release(fd, lock_path):
    if os.name == "nt":  # an open file cannot be removed there: unlock and close first
        os.close(fd)
        _remove_quietly(lock_path)
        return
    try:
        os.remove(lock_path)  # while still holding it, so nobody locks a file about to vanish
    finally:
        os.close(fd)


def _remove_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass


def _try_lock(fd):
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        os.lseek(fd, 1 << 20, os.SEEK_SET)  # lock a byte past the holder's text, which stays readable
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
