"""Extracting whole folders of audio: one row per track, written as it finishes.

The room above :class:`~musicfeat.MusicFeatures` that turns folders into
tables. The talk's workflow starts with a folder per artist full of songs
and ends with a table of songs x features. :func:`extract_folder` (and
``musicfeat extract``) walks a folder, extracts every audio file in worker
processes (or on a Dask cluster), and appends each finished row to the
output with one flushed write, so an interrupted run keeps every finished
track and ``resume=True`` extracts only the rest. A file that cannot be
read, or whose worker process dies, is recorded in the errors file and costs
nothing else.

Files written next to ``FEATURES.csv``, each named from the table's whole
name (``FEATURES.parquet`` has its own):

- ``FEATURES.csv.errors.csv``: ``path, error_type, message`` of every
  failure of the last run (no file when nothing failed; only a file
  musicfeat wrote is ever replaced);
- ``FEATURES.csv.meta.json``: the extractor's parameters and the feature-set
  version, which ``resume`` checks before adding rows to an old table (every
  row also carries a digest of the parameters, checked with or without it);
- ``FEATURES.csv.index.json``: each file's size and modification time when
  it was hashed, so that ``resume`` reads only files that changed since
  (without it, every file is hashed);
- ``FEATURES.csv.lock``: while a run writes the table, who that run is.

No pickle anywhere in the data path: tables are CSV or Parquet. Its rooms:

- :mod:`~musicfeat.batch.tracks`: finding the audio files (and what cannot
  be one) and hashing them;
- :mod:`~musicfeat.batch.resume`: the metadata file, the parameters digest
  and what a resumed run keeps (every finished row but those of changed
  files);
- :mod:`~musicfeat.batch.lock`: one run at a time per output;
- :mod:`~musicfeat.batch.workers`: one track through the extractor's public
  API, in worker processes, in this process or on Dask;
- :mod:`~musicfeat.batch.learning`: what a feature set that learns learnt
  from the folder, kept beside the table;
- :mod:`~musicfeat.batch.pool`: the worker processes: one file at a time, a
  time limit per file, crash isolation, gone with their parent;
- :mod:`~musicfeat.batch.extract`: :func:`extract_folder`, tying them
  together.

The table format itself, and :func:`load_features`, live in
:mod:`musicfeat.feature_table`, since the command line and the analyses read
tables too.
"""

from .._deprecation import moved_names as _moved_names
from ..feature_table import load_features
from .extract import BatchSummary, extract_folder
from .lock import OutputLockedError
from .resume import ResumeMismatchError
from .tracks import FolderScan, find_tracks, scan_folder

__all__ = [
    "extract_folder",
    "find_tracks",
    "scan_folder",
    "load_features",
    "BatchSummary",
    "FolderScan",
    "ResumeMismatchError",
    "OutputLockedError",
]

# The other names of the former batch.py, now in the room they belong to.
__getattr__ = _moved_names(
    __name__,
    {
        **dict.fromkeys(("AUDIO_EXTENSIONS", "Track", "file_sha256"), "musicfeat.batch.tracks"),
        **dict.fromkeys(("METADATA_COLUMNS", "ERROR_COLUMNS"), "musicfeat.feature_table"),
        "extract_track": "musicfeat.batch.workers",
    },
)
