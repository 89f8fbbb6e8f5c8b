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


class DegenerateFeatureWarning(UserWarning):
    """Parameters (or clips) that make some features degenerate in a ``transform`` call.

    Given once per call, naming the cause, never once per clip:

    - a width of ``window_seconds`` longer than every clip of the call (its
      windowed moments are then each whole clip's);
    - ``band_fmax`` (or ``pitch_fmax``) above half the analysis rate ``sr``
      (the bands, or the pitch search, stop at ``sr / 2``);
    - tempo of clips shorter than its 8-s autocorrelation window (it then
      leans on its prior around 120 BPM).

    The values are still finite and computed as documented. Silence it with
    ``warnings.filterwarnings("ignore", category=musicfeat.DegenerateFeatureWarning)``.
    """
