"""musicfeat: music and audio to machine-learning features, the scikit-learn way.

The public names, in ``__all__``; docs/README.md maps the rooms behind them.

>>> from musicfeat import MusicFeatures
>>> MusicFeatures().get_feature_names_out().shape
(419,)

Every public name is imported on first use (PEP 562), not with the package:
``import musicfeat`` costs no scikit-learn, numba or batch machinery, and a
command such as ``musicfeat features`` pays only for what it runs.
"""

import importlib as _importlib
import typing as _typing

from ._version import FEATURE_SET_VERSION, __version__

#: Each lazily imported public name -> the module (relative to this package)
#: that defines it. A new public name is one line here and one in ``__all__``
#: (a test checks that every name in ``__all__`` resolves).
_LAZY = {
    "MusicFeatures": ".features",
    "HPSSFeatures": ".groups",
    "SpectralFeatures": ".groups",
    "PolyFeatures": ".groups",
    "ZeroCrossingFeatures": ".groups",
    "RhythmFeatures": ".groups",
    "NoteClassFeatures": ".groups",
    "BandEnergy": ".groups",
    "WindowedStats": ".groups",
    "PitchFeatures": ".groups",
    "MFCCFeatures": ".groups",
    "HPMFCCFeatures": ".groups",
    "HPMFCCVLAD": ".groups",
    "SpectralCovariance": ".groups",
    "GaussianTimbre": ".groups",
    "BlockLevelPatterns": ".groups",
    "Spectra": ".frontend",
    "FrontEndConfig": ".frontend",
    "load_audio": ".io",
    "extract_folder": ".batch",
    "load_features": ".feature_table",
    "Segmenter": ".segments",
    "InvalidAudioError": ".exceptions",
    "ExtractionWarning": ".exceptions",
    "DegenerateFeatureWarning": ".exceptions",
}

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
    "SpectralCovariance",
    "GaussianTimbre",
    "BlockLevelPatterns",
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


def __getattr__(name):
    if name in _LAZY:
        value = getattr(_importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later lookups are ordinary attribute reads
        return value
    # A subpackage or module, as ``musicfeat.io`` worked after ``import musicfeat``
    # when the package imported them all.
    from importlib.util import find_spec

    if not name.startswith("__") and find_spec(f"{__name__}.{name}") is not None:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


if _typing.TYPE_CHECKING:  # what IDEs, type checkers and linters see
    from .batch import extract_folder
    from .exceptions import DegenerateFeatureWarning, ExtractionWarning, InvalidAudioError
    from .feature_table import load_features
    from .features import MusicFeatures
    from .frontend import FrontEndConfig, Spectra
    from .groups import (
        HPMFCCVLAD,
        BandEnergy,
        BlockLevelPatterns,
        GaussianTimbre,
        HPMFCCFeatures,
        HPSSFeatures,
        MFCCFeatures,
        NoteClassFeatures,
        PitchFeatures,
        PolyFeatures,
        RhythmFeatures,
        SpectralCovariance,
        SpectralFeatures,
        WindowedStats,
        ZeroCrossingFeatures,
    )
    from .io import load_audio
    from .segments import Segmenter
