"""An extractor that kills its own process on one clip, to test crash isolation.

Importable by worker processes (they inherit the parent's sys.path). The
trigger is a constructor parameter, so it travels to the workers with the
pickled extractor (an environment variable would not reach workers forked
from a fork server started earlier).
"""

import os
import signal
import time

from musicfeat import MusicFeatures


class CrashOnLengthFeatures(MusicFeatures):
    """MusicFeatures, except that a clip of exactly ``crash_on_samples`` samples segfaults the process."""

    def __init__(self, *, crash_on_samples=-1, **params):
        super().__init__(**params)
        self.crash_on_samples = crash_on_samples

    def transform(self, X):
        if any(getattr(item, "size", None) == self.crash_on_samples for item in X):
            os.kill(os.getpid(), signal.SIGSEGV)
        return super().transform(X)

    # scikit-learn reads parameters from the signature; expose MusicFeatures' too.
    @classmethod
    def _get_param_names(cls):
        return sorted(set(MusicFeatures._get_param_names()) | {"crash_on_samples"})


class FaultOnLengthFeatures(MusicFeatures):
    """MusicFeatures, except that a clip of exactly ``on_samples`` samples misbehaves.

    ``fault`` is what it does: ``"memory"`` raises MemoryError (as numpy does
    when an allocation fails), ``"abort"`` aborts the process (as a C++
    ``std::bad_alloc`` does), ``"hang"`` never returns (a decoder stuck on
    a pipe), ``"error"`` raises an unexpected RuntimeError.
    """

    def __init__(self, *, fault="error", on_samples=-1, **params):
        super().__init__(**params)
        self.fault = fault
        self.on_samples = on_samples

    def transform(self, X):
        if any(getattr(item, "size", None) == self.on_samples for item in X):
            if self.fault == "memory":
                raise MemoryError("Unable to allocate 7.45 GiB for an array")
            if self.fault == "abort":
                os.abort()
            if self.fault == "hang":
                while True:
                    time.sleep(1)
            raise RuntimeError("something no one expected")
        return super().transform(X)

    @classmethod
    def _get_param_names(cls):
        return sorted(set(MusicFeatures._get_param_names()) | {"fault", "on_samples"})
