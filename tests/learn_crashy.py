"""An extractor whose learning pass dies or hangs on one file, to test the learning pass's isolation.

Importable by worker processes, like crashy.py. Only the learning pass's
per-file work (:func:`musicfeat.fitted_state.fit_sample`, wrapped when this
module is imported, which a worker does when it receives the extractor)
misbehaves: the extraction of the same file, later, works. Hooked there
rather than in a private method, so that it holds whatever the extractor's
inner steps are called.
"""

import os
import signal
import time

from musicfeat import MusicFeatures, fitted_state


class FitFaultFeatures(MusicFeatures):
    """MusicFeatures, except that learning from the file named ``fault_on`` is killed (``"kill"``) or hangs."""

    def __init__(self, *, fault="kill", fault_on="", **params):
        super().__init__(**params)
        self.fault = fault
        self.fault_on = fault_on

    @classmethod
    def _get_param_names(cls):
        return sorted(set(MusicFeatures._get_param_names()) | {"fault", "fault_on"})


def _faulty(fit_sample):
    def fit_sample_or_fault(estimator, plan, item):
        if (
            isinstance(estimator, FitFaultFeatures)
            and os.path.basename(os.fsdecode(item)) == estimator.fault_on
        ):
            if estimator.fault == "hang":
                while True:
                    time.sleep(1)
            os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does
        return fit_sample(estimator, plan, item)

    fit_sample_or_fault.wrapped = True
    return fit_sample_or_fault


if not getattr(fitted_state.fit_sample, "wrapped", False):
    fitted_state.fit_sample = _faulty(fitted_state.fit_sample)
