"""musicfeat: music and audio to machine-learning features, the scikit-learn way.

The public names, in ``__all__``; docs/README.md maps the rooms behind them.

>>> from musicfeat import MusicFeatures
>>> MusicFeatures().get_feature_names_out().shape
(419,)
"""

from ._version import FEATURE_SET_VERSION, __version__
from .batch import extract_folder
from .exceptions import DegenerateFeatureWarning, ExtractionWarning, InvalidAudioError
from .feature_table import load_features
from .features import MusicFeatures
from .frontend import FrontEndConfig, Spectra
from .groups import (
    HPMFCCVLAD,
    BandEnergy,
    HPMFCCFeatures,
    HPSSFeatures,
    MFCCFeatures,
    NoteClassFeatures,
    PitchFeatures,
    PolyFeatures,
    RhythmFeatures,
    SpectralFeatures,
    WindowedStats,
    ZeroCrossingFeatures,
)
from .io import load_audio
from .segments import Segmenter

__all__ = [
    "__version__",
    "FEATURE_SET_VERSION",
    "MusicFeatures",
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
    "Spectra",
    "FrontEndConfig",
    "load_audio",
    "extract_folder",
    "load_features",
    "Segmenter",
    "InvalidAudioError",
    "ExtractionWarning",
    "DegenerateFeatureWarning",
]
