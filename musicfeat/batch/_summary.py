"""What a batch run did: :class:`BatchSummary`, and the words it prints.

Part of :mod:`musicfeat.batch` (given there, and by
:mod:`musicfeat.batch.extract`).
"""

from dataclasses import dataclass, field

from ..table_text import printable

__all__ = ["BatchSummary", "duplicates"]


@dataclass
class BatchSummary:
    """What a batch run did.

    Attributes
    ----------
    done : int
        Tracks extracted in this run.
    failed : int
        Tracks that failed in this run, and entries skipped because they
        cannot be tracks (see ``errors_path``).
    skipped : int
        Tracks already in the output (``resume``), not extracted again.
    kept_missing : int
        Rows of the output kept by ``resume`` whose file was not found (or
        could not be read) under the root this time.
    audio_seconds : float
        Audio extracted in this run.
    wall_seconds : float
    output_path, errors_path : str
        ``errors_path`` exists only when something failed.
    interrupted : bool
        True when stopped early (``strict`` failure or Ctrl-C).
    failures : list of (path, error_type, message)
    degenerate : list of (path, message)
        Tracks whose features came out degenerate (a clip shorter than a
        window, ...): the message of each one's
        :class:`~musicfeat.DegenerateFeatureWarning`.
    changed_failed : list of str
        Files (``resume``) whose content changed since their row was
        written and whose new content failed: their earlier row is kept,
        and they are among ``failures``.
    duplicates : list of tuple of str
        Rows of the table whose files have the same content (the same
        ``content_sha256``), as groups of paths, sorted: one recording
        under two names is two rows, which a train/test split can put on
        both sides.
    left_out_of_fit : list of (path, error_type, message)
        Tracks the learning pass of a feature set that learns (``'extended'``)
        left out of the codebook's fit, and why, as ``failures`` say it: a
        file that cannot be read, one that ran out of time (``Timeout``), one
        whose worker died (``WorkerCrashed``, with its signal or exit code).
    """

    done: int = 0
    failed: int = 0
    skipped: int = 0
    kept_missing: int = 0
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0
    output_path: str = ""
    errors_path: str = ""
    interrupted: bool = False
    failures: list = field(default_factory=list)
    degenerate: list = field(default_factory=list)
    changed_failed: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    left_out_of_fit: list = field(default_factory=list)

    def __str__(self):
        rate = self.audio_seconds / self.wall_seconds if self.wall_seconds else 0.0
        lines = [
            f"{_tracks(self.done)} extracted, {self.failed} failed, {self.skipped} skipped (already done); "
            f"{self.audio_seconds / 3600:.2f} h of audio in {self.wall_seconds:.1f} s ({rate:.0f}x real time)",
            f"features: {self.output_path}",
        ]
        if self.kept_missing:
            lines.append(
                f"{self.kept_missing} rows kept whose file was not found (or could not be read) under the folder"
            )
        if self.degenerate:
            lines.append(self.degenerate_note())
        if self.changed_failed:
            n, first = len(self.changed_failed), printable(self.changed_failed[0])
            lines.append(
                f"1 changed file now fails, {first!r}: the row of its earlier content is kept"
                if n == 1
                else f"{n} changed files now fail, such as {first!r}: the rows of their earlier content are kept"
            )
        if self.duplicates:
            lines.append(self.duplicates_note())
        if self.left_out_of_fit:
            lines.append(self.left_out_of_fit_note())
        if self.failed:
            lines.append(f"failures: {self.errors_path}")
        if self.interrupted:
            lines.append("stopped early: run again with --resume to extract the rest")
        return "\n".join(lines)

    def left_out_of_fit_note(self):
        """One line on the tracks the learning pass left out, saying what happened to the first.

        In the words the extraction records for its failures (``errors_path``):
        the error's type and message (``WorkerCrashed``: how the worker died;
        ``Timeout``; a file that cannot be read, and why).
        """
        path, error_type, message = self.left_out_of_fit[0]
        n, first = len(self.left_out_of_fit), printable(path)
        if n == 1:
            return f"1 track left out of the codebook's fit, {first!r}: {error_type}: {message}"
        kinds = {}
        for _, kind, _ in self.left_out_of_fit:
            kinds[kind] = kinds.get(kind, 0) + 1
        counts = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
        return f"{n} tracks left out of the codebook's fit ({counts}), such as {first!r}: {error_type}: {message}"

    def duplicates_note(self):
        """One line on the rows whose files have the same content, naming the first pairs."""
        extra = sum(len(group) - 1 for group in self.duplicates)
        pairs = "; ".join(
            " and ".join(repr(printable(p)) for p in group[:2]) + (" (and more)" if len(group) > 2 else "")
            for group in self.duplicates[:3]
        )
        more = "; ..." if len(self.duplicates) > 3 else ""
        tracks = "1 track has" if extra == 1 else f"{extra} tracks have"
        groups = "" if len(self.duplicates) == 1 else f", in {len(self.duplicates)} groups"
        return f"{tracks} the same content as another (same content_sha256){groups}: {pairs}{more}"

    def degenerate_note(self):
        """One line on the tracks with degenerate features, naming the first."""
        path, message = self.degenerate[0]
        return (
            f"{len(self.degenerate)} of {self.done} tracks have degenerate features "
            f"(DegenerateFeatureWarning), such as {path!r}: {message}"
        )


def duplicates(shas):
    """Groups of paths with one content, sorted, from ``{relpath: sha256}``."""
    groups = {}
    for relpath, sha in shas.items():
        groups.setdefault(sha, []).append(relpath)
    return sorted(tuple(sorted(group)) for group in groups.values() if len(group) > 1)


def _tracks(n):
    """``'1 track'``, ``'2 tracks'``."""
    return f"{n} track{'' if n == 1 else 's'}"
