"""An extractor that kills its own process on one file, to test crash isolation.

Importable by spawned worker processes (they inherit the parent's sys.path).
"""

import os
import signal

from musicfeat import MusicFeatures


class CrashOnNameFeatures(MusicFeatures):
    """MusicFeatures, except that analysing a clip while CRASH_ME exists segfaults the process."""

    def _row_single_threaded(self, item, index, config):
        marker = os.environ.get("MUSICFEAT_TEST_CRASH_MARKER", "")
        if marker and os.path.exists(marker) and getattr(item, "size", 0) == int(open(marker).read()):
            os.kill(os.getpid(), signal.SIGSEGV)
        return super()._row_single_threaded(item, index, config)
