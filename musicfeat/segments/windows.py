"""Cutting recordings into fixed windows and describing each with features.

The room of segment features: :class:`Segmenter` (windows, and their
features as a :class:`SegmentTable`), :func:`segment_features` (the default
extractor for short windows, from the registry), and the energy gate that
marks silent windows (:func:`silent_segments`).
"""

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, clone

from .. import _validation as v
from .._deprecation import warn_deprecated
from ..exceptions import DegenerateFeatureWarning
from ..features import MusicFeatures
from ..frontend import FrontEndConfig
from ..groups import registry
from ..io import as_items, open_stream

__all__ = [
    "Segmenter",
    "SegmentTable",
    "segment_features",
    "silent_segments",
    "SILENCE_RELATIVE_DB",
    "SILENCE_FLOOR_DB",
    "TEMPO_MIN_SECONDS",
    "TAIL_OPTIONS",
]

#: A segment is silent when its RMS is this many dB below the recording's loudest segment...
SILENCE_RELATIVE_DB = 40.0
#: ... or below this level in dB relative to full scale.
SILENCE_FLOOR_DB = -60.0
#: Tempo needs librosa's 8-second autocorrelation window.
TEMPO_MIN_SECONDS = 8.0
#: What :class:`Segmenter` may do with a recording's last, partial window (``tail=``).
TAIL_OPTIONS = ("shift", "pad", "drop")


def segment_features(segment_seconds=2.0, *, sr=FrontEndConfig.sr, **params):
    """The default features of segments of a given length.

    :class:`MusicFeatures` without the band energies, with pitch and MFCCs
    added, the window widths of WindowedStats limited to half a segment (2-s segments keep
    0.5 s and 1 s; a segment under 1 s gets one width of a quarter segment),
    and tempo (``'rhythm'``) only for segments of 8 s or more. Other
    parameters go to :class:`MusicFeatures`.

    Examples
    --------
    >>> from musicfeat.segments import segment_features
    >>> mf = segment_features(2.0)
    >>> mf.window_seconds, "rhythm" in mf.include, "bands" in mf.include, "mfcc" in mf.include
    ((0.5, 1), False, False, True)
    """
    widths = tuple(w for w in (0.5, 1, 3, 5) if w <= segment_seconds / 2) or (segment_seconds / 4,)
    offered = registry.FEATURE_SETS[registry.DEFAULT_FEATURE_SET].available_groups
    include = [g for g in offered if g != "bands" and (g != "rhythm" or segment_seconds >= TEMPO_MIN_SECONDS)]
    return MusicFeatures(sr=sr, window_seconds=widths, include=tuple(include), **params)


@dataclass
class SegmentTable:
    """Features of every segment of every recording.

    Attributes
    ----------
    X : np.ndarray [shape=(n_segments, n_features)]
    recording : np.ndarray of int
        Position in X of each segment's recording.
    start_s, end_s : np.ndarray of float
        Where each segment lies in its recording (seconds).
    energy_db : np.ndarray of float
        RMS level of each segment, dB relative to full scale.
    feature_names : list of str
    """

    X: np.ndarray
    recording: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray
    energy_db: np.ndarray
    feature_names: list

    def to_frame(self):
        """A pandas DataFrame: recording, start_s, end_s, energy_db, then the features."""
        import pandas as pd

        meta = pd.DataFrame(
            {
                "recording": self.recording,
                "start_s": self.start_s,
                "end_s": self.end_s,
                "energy_db": self.energy_db,
            }
        )
        return pd.concat([meta, pd.DataFrame(self.X, columns=self.feature_names)], axis=1)


class Segmenter(BaseEstimator):
    """Cut recordings into fixed windows and compute features for each.

    Parameters
    ----------
    features : transformer, optional
        Any musicfeat transformer, or a ``FeatureUnion`` of them sharing one
        ``sr``; default :func:`segment_features` for ``segment_seconds``.
    segment_seconds : float, default=2.0
        Window length.
    hop_seconds : float, default=1.0
        Distance between window starts.
    tail : {'shift', 'pad', 'drop'}, default='shift'
        The end of a recording rarely falls on a window boundary. 'shift':
        one more window, ending exactly at the recording's end (every window
        is real audio; it overlaps its neighbour more). 'pad': one more window
        from the next start, zero-padded past the end. 'drop': no window past
        the last full one. A recording shorter than one window gives one
        zero-padded window with 'shift' and 'pad', none with 'drop'.

    Examples
    --------
    >>> from musicfeat.segments import Segmenter
    >>> Segmenter().bounds(int(4.5 * 22050), 22050)
    [(0.0, 2.0), (1.0, 3.0), (2.0, 4.0), (2.5, 4.5)]
    >>> Segmenter(tail="drop").bounds(int(4.5 * 22050), 22050)
    [(0.0, 2.0), (1.0, 3.0), (2.0, 4.0)]
    """

    def __init__(self, features=None, *, segment_seconds=2.0, hop_seconds=1.0, tail="shift"):
        self.features = features
        self.segment_seconds = segment_seconds
        self.hop_seconds = hop_seconds
        self.tail = tail

    def _windows(self):
        """The validated window length, hop and tail rule."""
        seconds = v.check_real(
            self, "segment_seconds", self.segment_seconds, minimum=0.0, include_minimum=False
        )
        hop = v.check_real(self, "hop_seconds", self.hop_seconds, minimum=0.0, include_minimum=False)
        return seconds, hop, v.check_options(self, "tail", self.tail, TAIL_OPTIONS)

    def bounds(self, n_samples, sr):
        """``(start_s, end_s)`` of every window of a recording of ``n_samples`` at ``sr``.

        Parameters
        ----------
        n_samples : int
        sr : int

        Returns
        -------
        list of (float, float)
        """
        return _bounds(n_samples, sr, *self._windows())

    def segment(self, X):
        """Features of every window of every recording.

        The feature extractor is cloned and fitted once per call, whatever
        the number of recordings.

        Parameters
        ----------
        X : sequence of clips
            As for :class:`MusicFeatures` (paths, waveforms, pairs).

        Returns
        -------
        SegmentTable

        Examples
        --------
        >>> import numpy as np
        >>> from musicfeat.segments import Segmenter
        >>> noise = (0.1 * np.random.default_rng(0).standard_normal(3 * 22050)).astype(np.float32)
        >>> table = Segmenter().segment([noise])
        >>> table.start_s.tolist(), table.X.shape[0]
        ([0.0, 1.0], 2)
        """
        seconds, hop, tail = self._windows()
        features = segment_features(seconds) if self.features is None else clone(self.features)
        features.fit(None)
        sr = _analysis_rate(features)
        rows, recording, starts, ends, energy = [], [], [], [], []
        for index, item in enumerate(as_items(X)):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DegenerateFeatureWarning)
                for windows, bounds, levels in _windows_of_stream(item, index, sr, seconds, hop, tail):
                    rows.append(features.transform(windows))
                    recording += [index] * len(bounds)
                    starts += [start for start, _ in bounds]
                    ends += [end for _, end in bounds]
                    energy += levels
            _say_once(caught)  # one warning per recording, as one transform call gives
        names = [str(n) for n in features.get_feature_names_out()]
        X_seg = np.vstack(rows) if rows else np.empty((0, len(names)))
        return SegmentTable(
            X_seg,
            np.asarray(recording, dtype=int),
            np.asarray(starts),
            np.asarray(ends),
            np.asarray(energy),
            names,
        )

    def transform(self, X):
        """Deprecated alias of :meth:`segment` (a Segmenter returns a SegmentTable, not an array)."""
        warn_deprecated("Segmenter.transform", "Segmenter.segment")
        return self.segment(X)


#: Windows handed to the feature extractor at a time: bounds the windows held.
WINDOW_BATCH = 64


def _windows_of_stream(item, index, sr, seconds, hop, tail):
    """Batches ``(windows, bounds, energy_db)`` of one recording, cut from its decoder stream.

    A recording is never held whole: samples are kept from the last window
    that may still be cut (the tail rule needs the recording's length, known
    at its end) to the newest chunk, so memory stays flat for hours of audio.
    The windows and bounds are those of :func:`_bounds` of the whole recording.
    """
    width, step = int(round(seconds * sr)), max(1, int(round(hop * sr)))
    batch, bounds, levels = [], [], []
    buffer, buffer_start, seen, k = np.zeros(0, dtype=np.float32), 0, 0, 0

    def cut(start, end_s):
        window = buffer[start - buffer_start : start - buffer_start + width]
        if window.size < width:  # 'pad', or a recording shorter than one window
            window = np.pad(window, (0, width - window.size))
        batch.append(window)
        bounds.append((start / sr, end_s))
        levels.append(_rms_db(buffer[start - buffer_start : int(round(end_s * sr)) - buffer_start]))

    with open_stream(item, sr, index=index) as stream:
        for chunk in stream.chunks():
            buffer = np.concatenate([buffer, chunk])
            seen += chunk.size
            while k * step + width <= seen:  # a full window: _bounds' regular starts
                cut(k * step, (k * step + width) / sr)
                k += 1
            if len(batch) >= WINDOW_BATCH:
                yield batch, bounds, levels
                batch, bounds, levels = [], [], []
            keep = max(0, (k - 1) * step)  # the tail window starts after the last regular one
            buffer, buffer_start = buffer[keep - buffer_start :], keep
    for start_s, end_s in _bounds(seen, sr, seconds, hop, tail)[k:]:
        cut(int(round(start_s * sr)), end_s)
    if batch:
        yield batch, bounds, levels


def _say_once(caught):
    """Show each distinct warning caught once (the batches of one recording give one warning)."""
    said = set()
    for warning in caught:
        key = (warning.category, str(warning.message))
        if key not in said:
            said.add(key)
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


def _bounds(n_samples, sr, seconds, hop, tail):
    width, step = int(round(seconds * sr)), max(1, int(round(hop * sr)))
    if n_samples < width:
        starts = [] if tail == "drop" else [0]
    else:
        starts = list(range(0, n_samples - width + 1, step))
        if starts[-1] + width < n_samples and tail != "drop":
            starts.append(n_samples - width if tail == "shift" else starts[-1] + step)
    return [(s / sr, min(s + width, n_samples) / sr) for s in starts]


def _analysis_rate(features):
    """The ``sr`` parameter of the segment features, or the one ``sr`` of a FeatureUnion's transformers."""
    rates = set(_rates(features))
    if len(rates) != 1:
        raise ValueError(
            f"the segment features must have one analysis rate 'sr'; found {sorted(rates) or 'none'}."
        )
    return rates.pop()


def _rates(transformer):
    params = transformer.get_params(deep=False)
    if "sr" in params:
        return [params["sr"]]
    parts = getattr(transformer, "transformer_list", [])  # a FeatureUnion of musicfeat transformers
    return [rate for _, part in parts if part not in ("drop", "passthrough") for rate in _rates(part)]


def _rms_db(y):
    rms = float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))) if y.size else 0.0
    return 20 * np.log10(max(rms, 1e-10))


def silent_segments(energy_db):
    """The energy gate: True for segments more than 40 dB below the loudest one, or below -60 dBFS."""
    energy_db = np.asarray(energy_db, dtype=np.float64)
    if energy_db.size == 0:
        return np.zeros(0, dtype=bool)
    return (energy_db < energy_db.max() - SILENCE_RELATIVE_DB) | (energy_db < SILENCE_FLOOR_DB)
