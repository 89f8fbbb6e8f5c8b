"""Learning from the folder itself: the fitted state of a feature set that learns, beside the table.

A room of :mod:`musicfeat.batch`. A feature set with a learning group (the
``extended`` set's codebook) is fitted on the folder's own tracks before any
row is written, or reads the state a run wrote (``FEATURES.fitted.npz``,
plain arrays), so that a resumed run encodes its rows as the first did.
"""

import copy
import os
import warnings

from ..exceptions import DegenerateFeatureWarning, ExtractionWarning
from ..feature_table import read_rows
from .resume import ResumeMismatchError

__all__ = ["is_fitted", "learn_from_folder"]


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
    """Whether ``extractor``'s fitted state is the one saved in ``path``."""
    import numpy as np

    mine = f"{path}.{os.getpid()}.check.npz"
    extractor.save_fitted(mine)
    try:
        with np.load(mine, allow_pickle=False) as a, np.load(path, allow_pickle=False) as b:
            return sorted(a.files) == sorted(b.files) and all(np.array_equal(a[k], b[k]) for k in a.files)
    finally:
        os.remove(mine)


def learn_from_folder(extractor, paths, tracks, *, resuming, prefitted, jobs):
    """Fit a feature set that learns (a codebook) on every track of the folder, or read what a run learnt.

    The state is written beside the table (``paths.fitted``, plain arrays in
    ``.npz``) before any row, and read back into ``extractor``: a resumed
    run encodes its rows with the codebook of the rows already written.
    Unsupervised and transductive: the folder's own tracks, labels unseen.
    Tracks that cannot be read are left out of the fit (and fail in the
    extraction, where they are recorded). An extractor fitted already (on
    training clips) is used as it is, and its state written beside the table.
    """
    if resuming and os.path.exists(paths.fitted):
        if prefitted:
            if not _same_state(extractor, paths.fitted):
                raise ResumeMismatchError(
                    "cannot resume: the table's rows were encoded with the state learnt in "
                    f"{os.path.basename(paths.fitted)!r}, not with this extractor's. Write to a new file."
                )
            return
        try:
            extractor.load_fitted(paths.fitted)
        except ValueError as error:
            raise ResumeMismatchError(f"cannot resume: {error} Write to a new file.") from None
        return
    if resuming and read_rows(paths.rows).rows:
        raise ResumeMismatchError(
            f"cannot resume: the table's rows were encoded with what its run learnt, kept in "
            f"{os.path.basename(paths.fitted)!r}, which is missing. Write to a new file."
        )
    if prefitted:
        extractor.save_fitted(paths.fitted)
        return
    if not tracks:
        raise ValueError(
            f"feature set {extractor.feature_set!r} learns from the tracks, and the folder has none"
        )
    learner = copy.deepcopy(extractor).set_params(on_error="nan", n_jobs=None if jobs == 1 else jobs or -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExtractionWarning)  # recorded per file by the extraction
        warnings.simplefilter("ignore", DegenerateFeatureWarning)
        learner.fit([os.fsencode(track.path) for track in tracks])  # any name the file system holds
    learner.save_fitted(paths.fitted)
    extractor.load_fitted(paths.fitted)
