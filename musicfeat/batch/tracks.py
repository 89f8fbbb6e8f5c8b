"""Finding the tracks under a folder, and their identity (a hash of their bytes).

The room of the file system walk of :mod:`musicfeat.batch`: which files are
audio, what label each gets (its first-level folder), what is skipped and
why, and the SHA-256 that ``resume`` uses to know a track is unchanged.
Imports nothing else of the package.
"""

import hashlib
import os
import stat
from dataclasses import dataclass, field

__all__ = ["AUDIO_EXTENSIONS", "Track", "FolderScan", "scan_folder", "find_tracks", "file_sha256"]

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
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
