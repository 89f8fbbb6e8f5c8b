"""The registry: every feature group and every named feature set, the one list the rest reads.

:data:`GROUPS` maps each group's name to its transformer class, in output
order; :data:`FEATURE_SETS` names the versioned choices of groups that
:class:`~musicfeat.MusicFeatures` offers (``feature_set=``). The extractor,
the feature reference, the segment features and the command line all read
these two mappings; tests check the exports and the docstring tables
against them.

Adding a group
    Write its module (a :class:`~musicfeat.groups.ClipTransformer` subclass
    defining the group protocol: ``feature_names``, ``feature_descriptions``,
    ``accumulator`` and, as needed, ``encode``; a group that learns from
    training clips also sets ``learns = True`` and defines ``fit_clips``;
    ``docs/custom-groups.md``), put it
    in :data:`GROUPS` at its place in the output order, and name it in a
    feature set. ``tests/test_architecture.py`` then lists what else it
    needs: each of its parameters as a keyword of ``MusicFeatures`` (with the
    same default), and its export from ``musicfeat.groups`` and
    ``musicfeat``.
Adding a feature set
    One :class:`FeatureSet` entry in :data:`FEATURE_SETS`, with its own
    version string and its own golden values.
"""

from dataclasses import dataclass
from types import MappingProxyType

from .._version import FEATURE_SET_VERSION
from .bands import BandEnergy
from .hp_mfcc import HPMFCCFeatures
from .hp_mfcc_vlad import HPMFCCVLAD
from .hpss import HPSSFeatures
from .mfcc import MFCCFeatures
from .note_classes import NoteClassFeatures
from .pitch import PitchFeatures
from .poly import PolyFeatures
from .rhythm import RhythmFeatures
from .spectral import SpectralFeatures
from .windowed import WindowedStats
from .zero_crossings import ZeroCrossingFeatures

__all__ = ["GROUPS", "FEATURE_SETS", "DEFAULT_FEATURE_SET", "FeatureSet", "build_group"]

#: Every group by name, in output order: a selection of groups is always
#: output in this order, whatever order it was given in.
GROUPS = MappingProxyType(
    {
        "hpss": HPSSFeatures,
        "spectral": SpectralFeatures,
        "poly": PolyFeatures,
        "zero_crossings": ZeroCrossingFeatures,
        "rhythm": RhythmFeatures,
        "note_classes": NoteClassFeatures,
        "bands": BandEnergy,
        "windowed": WindowedStats,
        "pitch": PitchFeatures,
        "mfcc": MFCCFeatures,
        "hp_mfcc": HPMFCCFeatures,
        "hp_mfcc_vlad": HPMFCCVLAD,
    }
)


@dataclass(frozen=True)
class FeatureSet:
    """A named, versioned choice of feature groups.

    Attributes
    ----------
    name : str
        What ``MusicFeatures(feature_set=...)`` takes.
    version : str
        Version of the definitions and the order of every group the set
        offers (its groups and its optional groups); every table of the
        set's features carries it. It changes whenever one of them does.
    groups : tuple of str
        The groups computed by default, in :data:`GROUPS` order.
    optional_groups : tuple of str
        Further groups that ``include=`` may add (they share the analysis).
    description : str
        One line for the docs and ``--help``.
    """

    name: str
    version: str
    groups: tuple
    optional_groups: tuple = ()
    description: str = ""

    @property
    def available_groups(self):
        """The groups ``include=`` may name with this set, in :data:`GROUPS` order."""
        offered = set(self.groups) | set(self.optional_groups)
        return tuple(name for name in GROUPS if name in offered)


_TALK419_GROUPS = (
    "hpss",
    "spectral",
    "poly",
    "zero_crossings",
    "rhythm",
    "note_classes",
    "bands",
    "windowed",
)

#: Version of the ``'extended'`` set's definitions and order (its golden file:
#: tests/data/golden_extended.json). The 419 it contains keep their own.
EXTENDED_VERSION = "extended.1"

#: Every feature set by name.
FEATURE_SETS = MappingProxyType(
    {
        "talk419": FeatureSet(
            name="talk419",
            version=FEATURE_SET_VERSION,
            groups=_TALK419_GROUPS,
            optional_groups=("pitch", "mfcc"),
            description='the 419 features of the talk "Machine learning with music"',
        ),
        "extended": FeatureSet(
            name="extended",
            version=EXTENDED_VERSION,
            groups=(*_TALK419_GROUPS, "hp_mfcc", "hp_mfcc_vlad"),
            optional_groups=("pitch", "mfcc"),
            description=(
                "the 419, MFCC statistics of the harmonic and percussive parts, and their VLAD "
                "encoding against a codebook learnt in fit (1339 features)"
            ),
        ),
    }
)

#: The feature set of ``MusicFeatures()``.
DEFAULT_FEATURE_SET = "talk419"


def build_group(cls, owner, **overrides):
    """A group of class ``cls`` configured from ``owner``'s parameters.

    Each parameter the group names (scikit-learn's ``_get_param_names``) is
    read from ``owner`` under the same name; ``overrides`` replace some.

    Examples
    --------
    >>> from musicfeat import BandEnergy, MusicFeatures
    >>> from musicfeat.groups.registry import build_group
    >>> build_group(BandEnergy, MusicFeatures(band_counts=(4,), hop_length=256)).get_params()["band_counts"]
    (4,)
    """
    params = {name: getattr(owner, name) for name in cls._get_param_names()}
    params.update(overrides)
    return cls(**params)
