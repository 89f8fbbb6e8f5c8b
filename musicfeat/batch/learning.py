"""Learning from the folder itself: the fitted state of a feature set that learns, beside the table.

A room of :mod:`musicfeat.batch`. A feature set with a learning group (the
``extended`` set's codebook) is fitted on the folder's own tracks before any
row is written, or reads the state a run wrote (``FEATURES.fitted.npz``,
plain arrays), so that a resumed run encodes its rows as the first did.

The learning pass runs in the extraction's worker processes
(:mod:`~musicfeat.batch.pool`), with its protections: workers die with
their parent, a file that runs out of time or whose worker dies (a crash
in native code, the OOM killer) fails alone, is left out of the fit, and
is returned to the caller.
"""

import copy
import json
import os

from .. import fitted_state
from ..feature_table import read_rows
from .resume import ResumeMismatchError
from .workers import DEFAULT_TIMEOUT, file_failure, run_here_or_in_workers

__all__ = ["is_fitted", "learn_from_folder", "learn_sample"]


def is_fitted(extractor):
    """Whether ``extractor`` has been fitted (scikit-learn's ``check_is_fitted``), as a bool."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(extractor)
    except NotFittedError:
        return False
    return True


def _same_state(extractor, path):
    """Whether ``extractor``'s fitted state is the one saved in ``path`` (checked as load_fitted checks it)."""
    import numpy as np
    from sklearn.base import clone

    try:
        theirs = clone(extractor).load_fitted(path)
    except ValueError as error:  # damaged, or another extractor's
        raise ResumeMismatchError(f"cannot resume: {error} Write to a new file.") from None
    saved = []
    try:
        for which, fitted in (("mine", extractor), ("theirs", theirs)):
            saved.append(f"{path}.{os.getpid()}.{which}.npz")
            fitted.save_fitted(saved[-1])
        with np.load(saved[0], allow_pickle=False) as a, np.load(saved[1], allow_pickle=False) as b:
            return sorted(a.files) == sorted(b.files) and all(np.array_equal(a[k], b[k]) for k in a.files)
    finally:
        for name in saved:
            if os.path.exists(name):
                os.remove(name)


def _refuse_another_feature_set(extractor, paths):
    """A table of another feature set (by its metadata file) is refused as such, not for a missing state."""
    try:
        with open(paths.meta, encoding="utf-8") as f:
            meta = json.load(f)
        theirs, version = meta["params"]["feature_set"], meta["feature_set_version"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # no metadata to say which: the missing state is what can be said
    mine = extractor.get_params()["feature_set"]
    if theirs != mine:
        raise ResumeMismatchError(
            f"cannot resume: the table was extracted with feature set {theirs!r} (version {version!r}), "
            f"this extractor makes feature set {mine!r}. Use feature_set={theirs!r} to resume it, "
            "or write to a new file."
        )


def learn_sample(path, learner, plan):
    """In a worker: what the fit keeps of one file, never raising for the file's own faults.

    Returns
    -------
    tuple
        ``("ok", sample)`` or ``("error", error_type, message)``.
    """
    try:
        return ("ok", fitted_state.fit_sample(learner, plan, os.fsencode(path)))  # any name the disk holds
    except Exception as error:  # one file's fault, whatever it is, is that file's failure
        return file_failure(error)


def _learning_pass(learner, plan, tracks, *, jobs, timeout):
    """Every track's fit sample, in the tracks' order, and the failures ``[(relpath, type, message)]``."""
    results = {}

    def record(index, result):
        results[index] = result
        return True

    keyed = [(index, track.path) for index, track in enumerate(tracks)]
    run_here_or_in_workers(
        jobs, keyed, learn_sample, (learner, plan), record, timeout=timeout, during=" in the learning pass"
    )
    samples, failures = [], []
    for index, track in enumerate(tracks):  # the tracks' order, whatever order the workers finished in
        result = results[index]
        if result[0] == "ok":
            samples.append(result[1])
        else:
            failures.append((track.relpath, *result[1:]))
    return samples, failures


def learn_from_folder(extractor, paths, tracks, *, resuming, prefitted, jobs, timeout=DEFAULT_TIMEOUT):
    """Fit a feature set that learns (a codebook) on every track of the folder, or read what a run learnt.

    The state is written beside the table (``paths.fitted``, plain arrays in
    ``.npz``) before any row, and read back into ``extractor``: a resumed
    run encodes its rows with the codebook of the rows already written.
    Unsupervised and transductive: the folder's own tracks, labels unseen.
    The pass runs in worker processes as the extraction does (``jobs``,
    ``timeout``): a track that cannot be read, runs out of time or crashes
    its worker is left out of the fit, and returned; the extraction records
    it if it fails there too. An extractor fitted already (on training clips) is
    used as it is, and its state written beside the table.

    Returns
    -------
    list of (relpath, error_type, message)
        The tracks left out of the fit.
    """
    if resuming and os.path.exists(paths.fitted):
        if prefitted:
            if not _same_state(extractor, paths.fitted):
                raise ResumeMismatchError(
                    "cannot resume: the table's rows were encoded with the state learnt in "
                    f"{os.path.basename(paths.fitted)!r}, not with this extractor's. Write to a new file."
                )
            return []
        try:
            extractor.load_fitted(paths.fitted)
        except ValueError as error:
            raise ResumeMismatchError(f"cannot resume: {error} Write to a new file.") from None
        return []
    if resuming and read_rows(paths.rows).rows:
        _refuse_another_feature_set(extractor, paths)
        raise ResumeMismatchError(
            f"cannot resume: the table's rows were encoded with what its run learnt, kept in "
            f"{os.path.basename(paths.fitted)!r}, which is missing. Write to a new file."
        )
    if prefitted:
        extractor.save_fitted(paths.fitted)
        return []
    if not tracks:
        raise ValueError(
            f"feature set {extractor.feature_set!r} learns from the tracks, and the folder has none"
        )
    learner = copy.deepcopy(extractor).set_params(on_error="raise", n_jobs=None)
    plan = fitted_state.learning_plan(learner)
    samples, failures = _learning_pass(learner, plan, tracks, jobs=jobs, timeout=timeout)
    fitted_state.fit_from_samples(learner, plan, samples)
    learner.save_fitted(paths.fitted)
    extractor.load_fitted(paths.fitted)
    return failures
