"""Finding the tracks under a folder, and their identity (a hash of their bytes).

The room of the file system walk of :mod:`musicfeat.batch`: which files are
audio, what label each gets (its first-level folder), what is skipped and
why, the SHA-256 that ``resume`` uses to know a track is unchanged, and
the index of sizes and times that spares reading the files that did not
change (:class:`FileIndex`).
Imports nothing else of the package.
"""

import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass, field

__all__ = [
    "AUDIO_EXTENSIONS",
    "Track",
    "FolderScan",
    "scan_folder",
    "find_tracks",
    "file_sha256",
    "FileIndex",
]

#: File name endings treated as audio (libsndfile's formats and the usual
#: compressed ones, which go to audioread when libsndfile cannot read them).
AUDIO_EXTENSIONS = frozenset(
    "wav wave flac ogg oga opus mp3 mp2 aif aiff aifc au snd caf w64 rf64 voc avr "
    "sd2 htk xi m4a mp4 aac wma webm mka".split()
)

_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


@dataclass(frozen=True)
class Track:
    """One audio file under the root: its path, its path relative to the root, its label."""

    path: str
    relpath: str
    label: str


@dataclass
class FolderScan:
    """What :func:`scan_folder` found.

    Attributes
    ----------
    tracks : list of Track
        The regular audio files, sorted by ``relpath``.
    skipped : list of (relpath, error_type, message)
        What could not be a track and is recorded as a failure: folders that
        cannot be listed, and audio-named entries that are not regular files
        (named pipes, sockets, devices, folders, broken links).
    """

    tracks: list = field(default_factory=list)
    skipped: list = field(default_factory=list)


def scan_folder(root):
    """Every audio file under ``root``, recursively, and what was skipped, in a stable order.

    The label of a file is its first-level folder under ``root`` (an artist,
    a genre), or ``''`` for a file in ``root`` itself. Links to folders are
    followed, each folder listed once: a link to a folder already listed (a
    loop, or a second way to the same folder) is not walked again, so no
    track is counted twice. Only regular files (or links to them) are
    tracks: a named pipe called ``x.wav`` would block whoever opens it.

    Parameters
    ----------
    root : str or PathLike
        ``~`` is expanded.

    Returns
    -------
    FolderScan

    Raises
    ------
    FileNotFoundError
        If ``root`` is not a folder.
    """
    root = os.path.abspath(os.path.expanduser(os.fspath(root)))
    if not os.path.isdir(root):
        raise FileNotFoundError(f"no such folder: {root!r}")
    scan = FolderScan()

    def relative(path):
        return os.path.relpath(path, root).replace(os.sep, "/")

    def unlistable(error):
        name = relative(error.filename) if error.filename else "."
        scan.skipped.append(
            (name, type(error).__name__, f"cannot list this folder: {error.strerror or error}")
        )

    listed = {_identity(root)}
    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable, followlinks=True):
        walk_into = []
        for name in sorted(dirnames):
            path = os.path.join(dirpath, name)
            if _is_audio_name(name):
                scan.skipped.append((relative(path), "IsADirectoryError", "a folder, not an audio file"))
            identity = _identity(path)
            if identity not in listed:
                listed.add(identity)
                walk_into.append(name)
        dirnames[:] = walk_into
        for name in sorted(filenames):
            if not _is_audio_name(name):
                continue
            path = os.path.join(dirpath, name)
            relpath = relative(path)
            problem = _not_a_regular_file(path)
            if problem:
                scan.skipped.append((relpath, *problem))
            else:
                parts = relpath.split("/")
                scan.tracks.append(Track(path, relpath, parts[0] if len(parts) > 1 else ""))
    scan.tracks.sort(key=lambda t: t.relpath)
    scan.skipped.sort()
    return scan


def find_tracks(root):
    """Every audio file under ``root`` (:func:`scan_folder`'s tracks).

    Parameters
    ----------
    root : str or PathLike

    Returns
    -------
    list of Track
        Sorted by ``relpath``.

    Examples
    --------
    >>> import os, tempfile
    >>> from musicfeat.batch import find_tracks
    >>> root = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(root, "Brahms"))
    >>> for name in ("Brahms/dance.ogg", "solo.wav", "notes.txt"):
    ...     open(os.path.join(root, name), "w").close()
    >>> [(t.relpath, t.label) for t in find_tracks(root)]
    [('Brahms/dance.ogg', 'Brahms'), ('solo.wav', '')]
    """
    return scan_folder(root).tracks


def _identity(path):
    """A folder's identity, whatever the way to it (links followed)."""
    try:
        info = os.stat(path)
    except OSError:
        return ("unreadable", path)
    return (info.st_dev, info.st_ino)


def _not_a_regular_file(path):
    """None for a regular file (or a link to one), else ``(error_type, message)``."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return ("FileNotFoundError", "a broken link: its target does not exist")
    except OSError as error:
        return (type(error).__name__, f"cannot read this entry: {error.strerror or error}")
    if stat.S_ISREG(mode):
        return None
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    return ("NotARegularFile", f"{kind}, not an audio file: skipped")


def _is_audio_name(name):
    return os.path.splitext(name)[1][1:].lower() in AUDIO_EXTENSIONS


def file_sha256(path):
    """SHA-256 of a file's bytes (hex): the identity of a track for ``resume``."""
    return _hash_file(path)[0]


def _hash_file(path):
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class FileIndex:
    """The size, modification time (ns) and SHA-256 of files when they were hashed.

    What lets a resume trust a file unchanged without reading it: a file
    whose size and modification time are those it had when it was hashed,
    and whose row holds that hash, is taken as unchanged, as ``make`` and
    ``rsync`` do. A file is recorded only when its size and time were the
    same before and after it was read, and its time was at least
    :attr:`RACY_NS` older than the read (a change within the time's
    resolution, two seconds on FAT, would keep the time). Kept beside a
    table as JSON (``OUTPUT.index.json``: ``{"files": {path: [size,
    mtime_ns, sha256]}}``, by absolute path, so another root is hashed); a
    missing or unreadable index only means the files are hashed, and an
    index older than its table is still right: an entry is used only with
    the row's own SHA-256 and the file's own size and time.

    Examples
    --------
    >>> import os, tempfile
    >>> from musicfeat.batch.tracks import FileIndex, file_sha256
    >>> path = os.path.join(tempfile.mkdtemp(), "a.wav")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"RIFF")
    >>> os.utime(path, ns=(0, 10**18))  # a time in the past: not within a read
    >>> index = FileIndex()
    >>> sha, size = index.hash(path)
    >>> index.unchanged(path, sha), size
    (True, 4)
    >>> with open(path, "ab") as f:
    ...     _ = f.write(b"more")
    >>> index.unchanged(path, sha)
    False
    """

    #: A file modified less than this before it was read is not recorded.
    RACY_NS = 2_000_000_000

    def __init__(self, entries=None):
        self.entries = dict(entries or {})

    @classmethod
    def load(cls, path):
        """The index saved at ``path``; empty if there is none or it is not one."""
        try:
            with open(path, encoding="utf-8") as f:
                files = json.load(f)["files"]
            entries = {
                str(k): [int(v[0]), int(v[1]), str(v[2])]
                for k, v in files.items()
                if isinstance(v, list) and len(v) == 3
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls()
        return cls(entries)

    def unchanged(self, path, sha256):
        """Whether ``path`` has the size and time it had when it was hashed to ``sha256``.

        Raises OSError if it cannot be looked at (it is not there).
        """
        entry = self.entries.get(path)
        if entry is None or entry[2] != sha256:
            return False
        info = os.stat(path)
        return [info.st_size, info.st_mtime_ns] == entry[:2]

    def hash(self, path):
        """``(sha256, bytes read)`` of ``path``, recorded if the file held still."""
        before, seen = os.stat(path), time.time_ns()
        sha, size = _hash_file(path)
        self.note(path, before, seen, os.stat(path), sha)
        return sha, size

    def stat(self, path):
        """``(os.stat_result, time)`` before a file is read elsewhere (a worker), or None."""
        try:
            return os.stat(path), time.time_ns()
        except OSError:
            return None

    def note(self, path, before, seen_ns, after, sha256):
        """Record ``path`` as hashed to ``sha256`` between the stats ``before`` (at ``seen_ns``) and ``after``."""
        held_still = (before.st_size, before.st_mtime_ns, before.st_ino) == (
            after.st_size,
            after.st_mtime_ns,
            after.st_ino,
        )
        if held_still and seen_ns - before.st_mtime_ns >= self.RACY_NS:
            self.entries[path] = [before.st_size, before.st_mtime_ns, sha256]
        else:
            self.entries.pop(path, None)

    def save(self, path):
        """Write the index to ``path`` atomically; False if it cannot be written (a full disk)."""
        tmp = f"{path}.{os.getpid()}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({"files": self.entries}, f, separators=(",", ":"))
            os.replace(tmp, path)
        except OSError:  # an optimisation only: an index left as it was is still right (see above)
            try:
                os.remove(tmp)
            except OSError:
                pass
            return False
        return True
