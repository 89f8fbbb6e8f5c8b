"""MusicFeatures: the 419-vector, with one analysis per clip."""

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_memory

from . import _validation as v
from ._version import FEATURE_SET_VERSION, __version__
from .groups import (
    BandEnergy,
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
from .groups._base import ClipTransformer
from .groups.bands import DEFAULT_BAND_COUNTS
from .groups.windowed import DEFAULT_WINDOW_SECONDS

_FRONT_END = ("sr", "n_fft", "hop_length", "kernel_size", "hpss_power", "hpss_margin")

#: Every group, in output order; the first eight make the 419-vector.
GROUPS = (
    "hpss",
    "spectral",
    "poly",
    "zero_crossings",
    "rhythm",
    "note_classes",
    "bands",
    "windowed",
    "pitch",
    "mfcc",
)
DEFAULT_GROUPS = GROUPS[:8]


def _cached_row(extractor, y, feature_set_version, package_version):
    """The cache's unit of work: one clip's row, keyed on its samples and the parameters.

    The versions are arguments only so that they are part of the cache key.
    """
    return extractor._compute_row(y, extractor._check_params())


class MusicFeatures(ClipTransformer):
    """The 419 hand-crafted features of "Machine learning with music".

    A scikit-learn transformer from clips to one row of features each: the
    :class:`~sklearn.pipeline.FeatureUnion` of the eight groups
    (:meth:`make_union`), with the STFT and the harmonic/percussive
    separation computed once per clip and shared by every group. With the
    defaults the output has the 419 columns of FEATURES-419.md, in that
    order; ``band_counts`` and ``window_seconds`` change the length and the
    names together.

    =====================  ====
    group                  size
    =====================  ====
    HPSSFeatures              8
    SpectralFeatures          6
    PolyFeatures              4
    ZeroCrossingFeatures      2
    RhythmFeatures            3
    NoteClassFeatures        36
    BandEnergy              312
    WindowedStats            48
    =====================  ====

    Parameters
    ----------
    band_counts : sequence of int, default=(4, 11, 24)
        Band sets of :class:`BandEnergy`.
    band_fmin, band_fmax : float, default=20.0, 10000.0
        Frequency range of the bands (Hz).
    window_seconds : sequence of float, default=(0.5, 1, 3, 5)
        Window widths of :class:`WindowedStats`.
    sr : int, default=22050
        Analysis sample rate; files and ``(waveform, rate)`` pairs at other
        rates are resampled (soxr_hq), bare waveforms must already be at it.
    n_fft : int, default=2048
        STFT frame length.
    hop_length : int, default=512
        STFT hop.
    kernel_size : int, default=31
        HPSS median filter length.
    hpss_power : float, default=2.0
        HPSS soft-mask exponent.
    hpss_margin : float, default=1.0
        HPSS margin.
    on_error : {'raise', 'nan'}, default='raise'
        What a clip that cannot be analysed does: raise
        :class:`~musicfeat.InvalidAudioError` (naming the clip and its
        position), or give a row of NaN with an
        :class:`~musicfeat.ExtractionWarning`, so one bad file does not cost
        the rest of a batch.
    memory : str, joblib.Memory or None, default=None
        Cache of each clip's row, keyed on its decoded samples and on every
        parameter (and the feature-set version): a grid search over a
        classifier then extracts each clip once.
    n_jobs : int or None, default=None
        Clips analysed in parallel worker processes (joblib; ``-1`` for all
        cores). Each worker holds one clip's spectra at a time.
    include : sequence of str or None, default=None
        The groups to compute, by name: ``'hpss'``, ``'spectral'``,
        ``'poly'``, ``'zero_crossings'``, ``'rhythm'``, ``'note_classes'``,
        ``'bands'``, ``'windowed'`` (the 419, the default), ``'pitch'``
        (:class:`PitchFeatures`) and ``'mfcc'`` (:class:`MFCCFeatures`).
        Output follows that order whatever the order given. All share one
        analysis per clip.

    Attributes
    ----------
    n_features_out_ : int
        Number of output features (419 with the defaults).
    feature_set_version_ : str
        :data:`musicfeat.FEATURE_SET_VERSION` of the definitions used.

    See Also
    --------
    musicfeat.Spectra : the shared per-clip analysis.

    Examples
    --------
    >>> from musicfeat import MusicFeatures
    >>> from musicfeat.datasets import example_audio
    >>> mf = MusicFeatures()
    >>> X = mf.fit_transform([example_audio()])
    >>> X.shape
    (1, 419)
    >>> [str(n) for n in mf.get_feature_names_out()[:2]]
    ['rms_percussive_mean', 'rms_percussive_std']

    In a scikit-learn pipeline:

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> model = make_pipeline(MusicFeatures(), StandardScaler(), RandomForestClassifier())
    """

    def __init__(
        self,
        *,
        band_counts=DEFAULT_BAND_COUNTS,
        band_fmin=20.0,
        band_fmax=10000.0,
        window_seconds=DEFAULT_WINDOW_SECONDS,
        sr=22050,
        n_fft=2048,
        hop_length=512,
        kernel_size=31,
        hpss_power=2.0,
        hpss_margin=1.0,
        on_error="raise",
        memory=None,
        n_jobs=None,
        include=None,
    ):
        super().__init__(
            sr=sr,
            n_fft=n_fft,
            hop_length=hop_length,
            kernel_size=kernel_size,
            hpss_power=hpss_power,
            hpss_margin=hpss_margin,
            on_error=on_error,
        )
        self.band_counts = band_counts
        self.band_fmin = band_fmin
        self.band_fmax = band_fmax
        self.window_seconds = window_seconds
        self.memory = memory
        self.n_jobs = n_jobs
        self.include = include

    def make_union(self):
        """The groups as a FeatureUnion with this estimator's parameters.

        Used alone on raw clips the union analyses each clip once per group;
        :class:`MusicFeatures` gives the same columns analysing each clip once.

        Returns
        -------
        sklearn.pipeline.FeatureUnion
        """
        common = {name: getattr(self, name) for name in _FRONT_END}
        common["on_error"] = self.on_error
        bands = {"band_counts": self.band_counts, "band_fmin": self.band_fmin, "band_fmax": self.band_fmax}
        factories = {
            "hpss": lambda: HPSSFeatures(**common),
            "spectral": lambda: SpectralFeatures(**common),
            "poly": lambda: PolyFeatures(**common),
            "zero_crossings": lambda: ZeroCrossingFeatures(**common),
            "rhythm": lambda: RhythmFeatures(**common),
            "note_classes": lambda: NoteClassFeatures(**common),
            "bands": lambda: BandEnergy(**bands, **common),
            "windowed": lambda: WindowedStats(window_seconds=self.window_seconds, **common),
            "pitch": lambda: PitchFeatures(**common),
            "mfcc": lambda: MFCCFeatures(**common),
        }
        chosen = self._included_groups()
        return FeatureUnion([(name, factories[name]()) for name in chosen], verbose_feature_names_out=False)

    def _included_groups(self):
        if self.include is None:
            return DEFAULT_GROUPS
        if isinstance(self.include, str) or not hasattr(self.include, "__iter__"):
            names = None
        else:
            names = list(self.include)
        if not names or not set(names) <= set(GROUPS) or len(set(names)) != len(names):
            raise ValueError(
                f"The 'include' parameter of {type(self).__name__} must be None or a non-empty sequence of "
                f"distinct names among {list(GROUPS)}. Got {self.include!r} instead."
            )
        return tuple(g for g in GROUPS if g in names)

    def _groups(self):
        return [group for _, group in self.make_union().transformer_list]

    def _check_group_params(self):
        for group in self._groups():
            group._check_group_params()
        if self.n_jobs is not None:
            v.check_int(self, "n_jobs", self.n_jobs, minimum=-(2**31))
            if self.n_jobs == 0:
                raise ValueError(
                    "The 'n_jobs' parameter of MusicFeatures must be a nonzero int or None. Got 0 instead."
                )
        check_memory(self.memory)

    def fit(self, X=None, y=None):
        """Validate the parameters; learn nothing.

        Returns
        -------
        self
        """
        super().fit(X, y)
        self.feature_set_version_ = FEATURE_SET_VERSION
        return self

    def _try_rows(self, items, config):
        # Worker processes return errors instead of raising them, so the
        # parent alone applies on_error (and its warnings reach the user).
        if self.n_jobs in (None, 1):
            return super()._try_rows(items, config)
        return Parallel(n_jobs=self.n_jobs)(
            delayed(self._try_row)(item, index, config) for index, item in enumerate(items)
        )

    def _feature_names(self):
        return [name for group in self._groups() for name in group._feature_names()]

    def _features(self, spectra):
        return np.concatenate([group._features(spectra) for group in self._groups()])

    def _compute_row(self, y, config):
        memory = check_memory(self.memory)
        if memory.location is None:
            return super()._compute_row(y, config)
        # The key: the decoded samples and a fresh clone's parameters (the
        # cache, workers and error policy do not change the values).
        extractor = clone(self).set_params(memory=None, n_jobs=None, on_error="raise")
        return memory.cache(_cached_row)(extractor, y, FEATURE_SET_VERSION, __version__)
