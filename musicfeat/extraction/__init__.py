"""The extraction layer: the one way from an item of X to its row.

Between the transformers (:class:`~musicfeat.MusicFeatures`, a group alone)
and the front end. It alone decodes (through :mod:`musicfeat.io`), chooses
whole or stream (:func:`choose_engine`, asked by the transformers, the
segmenter and the batch workers alike), checks lengths, turns failures into
:class:`~musicfeat.InvalidAudioError`, checks finiteness and applies
``on_error``. The groups under it never decode: they give an accumulator per
clip and encode its data (``docs/custom-groups.md``).

- :mod:`~musicfeat.extraction.plan`: :class:`ExtractionPlan`, :func:`choose_engine`;
- :mod:`~musicfeat.extraction.runner`: one clip to each group's data, and its row;
- :mod:`~musicfeat.extraction.outcomes`: every clip's outcome, in order, with ``on_error``;
- :mod:`~musicfeat.extraction.calls`: ``fit``, ``transform``, ``fit_transform``;
- :mod:`~musicfeat.extraction.cache`: the ``memory=`` cache of a clip held whole.
"""

from . import calls  # noqa: F401  (a group alone's fit and transform: groups._base._layer)
from .cache import CachedWhole
from .plan import ENGINE_OPTIONS, ON_ERROR_OPTIONS, STREAM_ABOVE_SECONDS, ExtractionPlan, choose_engine
from .runner import Clip, clip_data, row_of, run_accumulators, whole_clip_data

__all__ = [
    "CachedWhole",
    "ENGINE_OPTIONS",
    "ON_ERROR_OPTIONS",
    "STREAM_ABOVE_SECONDS",
    "Clip",
    "ExtractionPlan",
    "choose_engine",
    "clip_data",
    "row_of",
    "run_accumulators",
    "whole_clip_data",
]
