"""Warnings that point at the user's line, through scikit-learn's wrappers.

A fixed ``stacklevel`` counts frames that are not always there:
scikit-learn wraps ``transform`` and ``fit_transform`` (``set_output``), a
``Pipeline`` adds its own, and a warning meant for the user's line then
points into ``sklearn/utils/_set_output.py``. :func:`external_stacklevel`
counts instead, at the time of the warning, the frames of musicfeat and
scikit-learn between the warning and the first frame of anyone else (what
Python 3.12's ``skip_file_prefixes`` does, on every version).
"""

import os
import sys

__all__ = ["external_stacklevel", "INTERNAL_PREFIXES"]


def _package_dir(name):
    import importlib.util

    spec = importlib.util.find_spec(name)
    return os.path.dirname(os.path.abspath(spec.origin)) + os.sep if spec and spec.origin else None


#: Source files under these folders are not the user's: musicfeat's and scikit-learn's.
INTERNAL_PREFIXES = tuple(p for p in (_package_dir("musicfeat"), _package_dir("sklearn")) if p)


def external_stacklevel(prefixes=INTERNAL_PREFIXES):
    """The ``stacklevel`` that makes a ``warnings.warn`` of the caller point at the first frame outside ``prefixes``.

    Call it in the argument list: ``warnings.warn(message, category,
    stacklevel=external_stacklevel())``.

    Parameters
    ----------
    prefixes : tuple of str
        Folders (ending with the path separator) whose frames are skipped.

    Returns
    -------
    int
        At least 1 (the caller's own line, when every frame is internal).

    Examples
    --------
    >>> import warnings
    >>> from musicfeat._stacklevel import external_stacklevel
    >>> def outside():  # not in musicfeat nor scikit-learn: its own line is the user's
    ...     return external_stacklevel()
    >>> outside()
    1
    """
    frame, level = sys._getframe(1), 1  # level 1: the line that calls warnings.warn
    while frame is not None and frame.f_code.co_filename.startswith(prefixes):
        frame, level = frame.f_back, level + 1
    return level if frame is not None else 1
