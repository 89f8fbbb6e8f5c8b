"""Finding the tracks under a folder, and their identity (a hash of their bytes).

The room of the file system walk of :mod:`musicfeat.batch`: which files are
audio, what label each gets (its first-level folder), and the SHA-256 that
``resume`` uses to know a track is unchanged. Imports nothing else of the
package.
"""

import hashlib
import os
from dataclasses import dataclass

__all__ = ["AUDIO_EXTENSIONS", "Track", "find_tracks", "file_sha256"]

#: File name endings treated as audio (libsndfile's formats and the usual
#: compressed ones, which go to audioread when libsndfile cannot read them).
AUDIO_EXTENSIONS = frozenset(
    "wav wave flac ogg oga opus mp3 mp2 aif aiff aifc au snd caf w64 rf64 voc avr "
    "sd2 htk xi m4a mp4 aac wma webm mka".split()
)


@dataclass(frozen=True)
class Track:
    """One audio file under the root: its path, its path relative to the root, its label."""

    path: str
    relpath: str
    label: str


def find_tracks(root):
    """Every audio file under ``root``, recursively, in a stable order.

    The label of a file is its first-level folder under ``root`` (an artist,
    a genre), or ``''`` for a file in ``root`` itself. A directory whose name
    ends like an audio file is listed too, so that it is reported rather than
    silently skipped.

    Parameters
    ----------
    root : str or PathLike

    Returns
    -------
    list of Track

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
    root = os.path.abspath(os.fspath(root))
    if not os.path.isdir(root):
        raise FileNotFoundError(f"no such folder: {root!r}")
    tracks = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames + [d for d in dirnames if _is_audio_name(d)]):
            if not _is_audio_name(name):
                continue
            path = os.path.join(dirpath, name)
            relpath = os.path.relpath(path, root).replace(os.sep, "/")
            parts = relpath.split("/")
            tracks.append(Track(path, relpath, parts[0] if len(parts) > 1 else ""))
    return sorted(tracks, key=lambda t: t.relpath)


def _is_audio_name(name):
    return os.path.splitext(name)[1][1:].lower() in AUDIO_EXTENSIONS


def file_sha256(path):
    """SHA-256 of a file's bytes (hex): the identity of a track for ``resume``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
