"""Feature groups: one scikit-learn transformer per group of the 419-vector.

Each group is usable alone on raw clips, or on :class:`~musicfeat.Spectra`
shared with other groups (which is what :class:`~musicfeat.MusicFeatures`
does). In vector order:

=====================  ====  ==========================================
class                  size  what
=====================  ====  ==========================================
HPSSFeatures              8  RMS of the percussive and harmonic parts
SpectralFeatures          6  centroid, bandwidth, contrast
PolyFeatures              4  slope and level of a line through H
ZeroCrossingFeatures      2  zero-crossing rate
RhythmFeatures            3  onset strength, tempo
NoteClassFeatures        36  chroma and tonnetz
BandEnergy              312  energies in 4, 11 and 24 log-spaced bands
WindowedStats            48  moments in 0.5, 1, 3 and 5 s windows
PitchFeatures             7  f0 and voicing (pYIN); not in the 419
MFCCFeatures             40  20 MFCCs, mean and std; not in the 419
=====================  ====  ==========================================
"""

from ._base import ClipTransformer
from .bands import BandEnergy
from .hpss import HPSSFeatures
from .mfcc import MFCCFeatures
from .note_classes import NoteClassFeatures
from .pitch import PitchFeatures
from .poly import PolyFeatures
from .rhythm import RhythmFeatures
from .spectral import SpectralFeatures
from .windowed import WindowedStats
from .zero_crossings import ZeroCrossingFeatures

__all__ = [
    "ClipTransformer",
    "HPSSFeatures",
    "SpectralFeatures",
    "PolyFeatures",
    "ZeroCrossingFeatures",
    "RhythmFeatures",
    "NoteClassFeatures",
    "BandEnergy",
    "WindowedStats",
    "PitchFeatures",
    "MFCCFeatures",
]
