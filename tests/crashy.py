"""An extractor that kills its own process on one clip, to test crash isolation.

Importable by worker processes (they inherit the parent's sys.path). The
trigger is a constructor parameter, so it travels to the workers with the
pickled extractor (an environment variable would not reach workers forked
from a fork server started earlier).
"""

import os
import signal

from musicfeat import MusicFeatures


class CrashOnLengthFeatures(MusicFeatures):
    """MusicFeatures, except that a clip of exactly ``crash_on_samples`` samples segfaults the process."""

    def __init__(self, *, crash_on_samples=-1, **params):
        super().__init__(**params)
        self.crash_on_samples = crash_on_samples

    def _clip_result(self, item, index, plan, task):
        if getattr(item, "size", None) == self.crash_on_samples:
            os.kill(os.getpid(), signal.SIGSEGV)
        return super()._clip_result(item, index, plan, task)

    # scikit-learn reads parameters from the signature; expose MusicFeatures' too.
    @classmethod
    def _get_param_names(cls):
        return sorted(set(MusicFeatures._get_param_names()) | {"crash_on_samples"})
