"""An extractor whose learning pass dies or hangs on one file, to test the learning pass's isolation.

Importable by worker processes, like crashy.py. Only ``fit``'s per-clip work
misbehaves (a path item): the extraction of the same file, later, works.
"""

import os
import signal
import time

from musicfeat import MusicFeatures


class FitFaultFeatures(MusicFeatures):
    """MusicFeatures, except that fitting on the file named ``fault_on`` is killed (``"kill"``) or hangs."""

    def __init__(self, *, fault="kill", fault_on="", **params):
        super().__init__(**params)
        self.fault = fault
        self.fault_on = fault_on

    def _clip_result(self, item, index, plan, task):
        if task == "fit" and self.fault_on and isinstance(item, (str, bytes)):
            if os.path.basename(os.fsdecode(item)) == self.fault_on:
                if self.fault == "hang":
                    while True:
                        time.sleep(1)
                os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does
        return super()._clip_result(item, index, plan, task)

    @classmethod
    def _get_param_names(cls):
        return sorted(set(MusicFeatures._get_param_names()) | {"fault", "fault_on"})
