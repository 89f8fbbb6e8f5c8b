"""Segment-level analysis: what share of a recording is each class, and when.

Song-level vectors cannot say how much of a podcast is a woman speaking, or
where the jingle starts. A :class:`Segmenter` cuts each recording into fixed
windows (2 s every 1 s by default) and describes each window with musicfeat
features; any scikit-learn classifier trained on labelled recordings
(:func:`train_segment_classifier`, every segment inheriting its recording's
label) then gives a timeline (:func:`predict_timeline`) and each class's
share (:func:`predict_proportions`).

Short windows change what some features can mean, so the default segment
features follow three rules: the window widths of WindowedStats (0.5, 1, 3, 5 s) are kept
only up to half a segment; tempo is left out below 8 s (librosa's tempo
needs an 8-second autocorrelation window); and the 312 band energies are left
out (at 2 s they are mostly noise, and they outnumber everything else by far
when a model learns from a few hundred segments). Pitch
(:class:`PitchFeatures`) and MFCCs (:class:`MFCCFeatures`) are added, since
voice questions depend on them. On the LibriSpeech readers and librosa's
music clips this choice put every class's share within 7 points of the truth,
against 10 with all groups.

Its rooms: :mod:`~musicfeat.segments.windows` cuts recordings into windows
and computes their features (:class:`Segmenter`, :class:`SegmentTable`,
:func:`segment_features`, the silence gate);
:mod:`~musicfeat.segments.timeline` learns from labelled recordings and
predicts timelines and proportions. Segments read
:class:`~musicfeat.MusicFeatures` and the registry, and the analyses
(:func:`musicfeat.analysis.classify`) for the honest score.
"""

from .._deprecation import moved_names as _moved_names
from .timeline import (
    change_points,
    plot_timeline,
    predict_proportions,
    predict_timeline,
    segment_dataset,
    train_segment_classifier,
)
from .windows import (
    SILENCE_FLOOR_DB,
    SILENCE_RELATIVE_DB,
    Segmenter,
    SegmentTable,
    segment_features,
    silent_segments,
)

__all__ = [
    "Segmenter",
    "SegmentTable",
    "segment_features",
    "silent_segments",
    "segment_dataset",
    "train_segment_classifier",
    "predict_timeline",
    "predict_proportions",
    "change_points",
    "plot_timeline",
    "SILENCE_RELATIVE_DB",
    "SILENCE_FLOOR_DB",
]

# Constants of the former segments.py that the package does not export.
__getattr__ = _moved_names(
    __name__, dict.fromkeys(("TEMPO_MIN_SECONDS", "TAIL_OPTIONS"), "musicfeat.segments.windows")
)
