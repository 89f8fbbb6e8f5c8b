"""Feature groups: one scikit-learn transformer per group, and the registry that lists them.

The room between the front end and :class:`~musicfeat.MusicFeatures`. Each
group is usable alone on raw clips, or on :class:`~musicfeat.Spectra` shared
with other groups (which is what ``MusicFeatures`` does). :data:`GROUPS`
(name -> class, in output order) and :data:`FEATURE_SETS` (named, versioned
choices of groups) live in :mod:`musicfeat.groups.registry`. In output
order (a test keeps this table in step with the registry):

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
HPMFCCFeatures          280  MFCCs of H and of P, 7 statistics each
HPMFCCVLAD              640  VLAD of the MFCC frames of H and P (learnt)
=====================  ====  ==========================================

Three summary groups are in no feature set (the benchmark measured no gain
over the 419 or ``extended``), for ``MusicFeatures(groups=...)`` or alone:
:class:`SpectralCovariance` (560 columns), :class:`GaussianTimbre` (230) and
:class:`BlockLevelPatterns` (2,270).
"""

# The group classes are imported by name (not copied from the registry at
# run time) so that IDEs, type checkers and linters see them; a test checks
# that this list and musicfeat's equal the registry's.
from . import _spectra_shims  # noqa: F401 - Spectra.chroma/onset_envelope, deprecated
from ._base import ClipTransformer
from .bands import BandEnergy
from .block_patterns import BlockLevelPatterns
from .gaussian_timbre import GaussianTimbre
from .hp_mfcc import HPMFCCFeatures
from .hp_mfcc_vlad import HPMFCCVLAD
from .hpss import HPSSFeatures
from .mfcc import MFCCFeatures
from .note_classes import NoteClassFeatures
from .pitch import PitchFeatures
from .poly import PolyFeatures
from .registry import DEFAULT_FEATURE_SET, FEATURE_SETS, GROUPS, FeatureSet
from .rhythm import RhythmFeatures
from .spectral import SpectralFeatures
from .spectral_covariance import SpectralCovariance
from .windowed import WindowedStats
from .zero_crossings import ZeroCrossingFeatures

__all__ = [
    "ClipTransformer",
    "GROUPS",
    "FEATURE_SETS",
    "DEFAULT_FEATURE_SET",
    "FeatureSet",
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
    "HPMFCCFeatures",
    "HPMFCCVLAD",
    "SpectralCovariance",
    "GaussianTimbre",
    "BlockLevelPatterns",
]
