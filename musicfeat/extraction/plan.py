"""What one ``fit`` or ``transform`` call validated, and the one choice of engine for a clip.

The room of the extraction layer's decisions: :class:`ExtractionPlan` holds
what every clip of a call is analysed with (the front end, the groups, the
output names) and how (engine, longest clip, error policy), and
:func:`choose_engine` says whether a clip of a given length streams. The
transformers, the segmenter and the batch workers all ask it, so a file
streams or not by one rule.
"""

from dataclasses import dataclass

from ..io import DEFAULT_MAX_DURATION

__all__ = [
    "ENGINE_OPTIONS",
    "ON_ERROR_OPTIONS",
    "STREAM_ABOVE_SECONDS",
    "ExtractionPlan",
    "choose_engine",
]

#: What a clip that cannot be analysed does: raise, or give a row of NaN with a warning.
ON_ERROR_OPTIONS = ("raise", "nan")
#: How clips are analysed: by length (``'auto'``), a block of frames at a time, or held whole.
ENGINE_OPTIONS = ("auto", "stream", "whole")

#: With ``engine='auto'``, files longer than this (seconds, from their header)
#: are analysed by the stream engine. Measured (benchmarks/README.md): from
#: about this length the whole-clip path's memory passes the stream's flat
#: bound, while both run at the same speed.
STREAM_ABOVE_SECONDS = 300.0


def choose_engine(engine, duration, *, needs_whole_clip=False):
    """``'stream'`` or ``'whole'``: how a clip of ``duration`` seconds is analysed.

    Parameters
    ----------
    engine : {'auto', 'stream', 'whole'}
    duration : float or None
        The clip's length, from its header; None when unknown (it streams,
        unless ``engine='whole'``: a length not known cannot be bounded).
    needs_whole_clip : bool, default=False
        Whether a group of the plan needs the whole clip at once (pYIN).

    Examples
    --------
    >>> from musicfeat.extraction import choose_engine
    >>> choose_engine("auto", 60.0), choose_engine("auto", 1800.0), choose_engine("stream", 1.0)
    ('whole', 'stream', 'stream')
    """
    if engine == "whole" or needs_whole_clip:
        return "whole"
    if engine == "stream" or duration is None or duration > STREAM_ABOVE_SECONDS:
        return "stream"
    return "whole"


@dataclass(frozen=True)
class ExtractionPlan:
    """What one ``fit`` or ``transform`` call validated and built, handed to every clip.

    Attributes
    ----------
    config : FrontEndConfig
        The analysis of each clip.
    groups : tuple of ClipTransformer
        The feature groups, in output order.
    names : tuple of str
        The output features.
    engine : {'auto', 'stream', 'whole'}
    max_duration : float or None
        Longest clip accepted (seconds).
    on_error : {'raise', 'nan'}
    owner : str
        The class the user configured, named in errors.
    group_names : tuple of str
        Each group's name (the feature set's, and those of
        ``MusicFeatures(groups=[(name, group)])``), aligned with ``groups``;
        empty for a group used alone. Named in errors with the group's class.
    widths : tuple of int
        How many of ``names`` each group gives, aligned with ``groups``: what
        each group's row must hold, counted once per call, not per clip.
    """

    config: object
    groups: tuple
    names: tuple
    engine: str = "auto"
    max_duration: float = DEFAULT_MAX_DURATION
    on_error: str = "raise"
    owner: str = "MusicFeatures"
    group_names: tuple = ()
    widths: tuple = ()

    @property
    def learners(self):
        """The groups that learn from training clips."""
        return tuple(group for group in self.groups if group.learns)

    @property
    def needs_whole_clip(self):
        """The groups that need the whole clip at once (they cannot stream)."""
        return tuple(group for group in self.groups if group.needs_whole_clip)

    def group_label(self, k):
        """How errors name the plan's ``k``-th group: its name and class, or its class alone."""
        cls = type(self.groups[k]).__name__
        if k < len(self.group_names):
            return f"group {self.group_names[k]!r} ({cls}) of {self.owner}"
        return cls if cls == self.owner else f"group {cls} of {self.owner}"

    def engine_for(self, duration):
        """:func:`choose_engine` for a clip of this plan."""
        return choose_engine(self.engine, duration, needs_whole_clip=bool(self.needs_whole_clip))

    def longest_clip(self):
        """``(seconds, why)``: the longest clip a group of the plan can hold whole, or None."""
        limits = [limit for group in self.groups if (limit := group._longest_clip())]
        return min(limits, key=lambda limit: limit[0]) if limits else None
