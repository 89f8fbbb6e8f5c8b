"""Optional dependencies: import one, or say which extra installs it (a leaf helper, no imports).

pandas, pyarrow, bokeh, matplotlib and tqdm are extras of musicfeat, not
requirements. A room that needs one calls :func:`require`, so that a user
without it reads ``pip install "musicfeat[report]"`` instead of a bare
``ModuleNotFoundError``.
"""

import importlib

__all__ = ["MissingExtraError", "require"]


class MissingExtraError(ImportError):
    """An optional dependency is missing; the message names the extra that installs it."""


def require(module, extra, purpose):
    """Import ``module``, or raise :class:`MissingExtraError` naming ``extra``.

    Parameters
    ----------
    module : str
        The module to import (``"pandas"``, ``"pyarrow"``, ...).
    extra : str
        The musicfeat extra that installs it.
    purpose : str
        What needs it, as the start of a sentence ("reading a feature table").

    Examples
    --------
    >>> from musicfeat._optional import require
    >>> require("json", "none", "this example").__name__
    'json'
    >>> require("no_such_module_here", "report", "The report")
    Traceback (most recent call last):
    ...
    musicfeat._optional.MissingExtraError: The report needs no_such_module_here, which is not installed: \
pip install "musicfeat[report]"
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError(
            f'{purpose} needs {module}, which is not installed: pip install "musicfeat[{extra}]"'
        ) from error
