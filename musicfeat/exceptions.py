"""The package's exception and warning types: a leaf every room may raise from (no imports)."""


class InvalidAudioError(ValueError):
    """An item of X could not be turned into features.

    Raised for a missing or undecodable file, an empty, non-finite or
    wrongly-shaped waveform, or features that came out non-finite. The
    message names the item and its position in X. It subclasses
    :class:`ValueError`, so ``except ValueError`` keeps working.

    Attributes
    ----------
    index : int or None
        Position of the offending item in X, when known.
    item : str or None
        A short description of the item (its path, or its shape and dtype).
    reason : str
        What went wrong, without the item's name.
    """

    def __init__(self, message, *, index=None, item=None, reason=None):
        super().__init__(message)
        self.index = index
        self.item = item
        self.reason = reason if reason is not None else message


class ExtractionWarning(UserWarning):
    """An item was replaced by a row of NaN because ``on_error='nan'``."""
