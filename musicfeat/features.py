"""MusicFeatures: a named feature set (the talk's 419 by default), with one analysis per clip.

The room above the groups: it reads the registry
(:mod:`musicfeat.groups.registry`) for the groups of its feature set,
builds each from its own parameters once per ``fit`` or ``transform``
call, and adds what a whole extractor needs: the ``memory=`` cache and
``n_jobs`` worker processes.
"""

from dataclasses import asdict

from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted, check_memory

from . import _selection as selection
from . import _validation as v
from . import fitted_state
from ._deprecation import warn_deprecated
from ._version import __version__
from .extraction import CachedWhole
from .frontend import FrontEndConfig
from .groups import registry
from .groups._base import ClipTransformer
from .groups.bands import DEFAULT_BAND_COUNTS
from .groups.windowed import DEFAULT_WINDOW_SECONDS
from .io import DEFAULT_MAX_DURATION


def _signature(estimator):
    """The JSON text of what fitted state depends on: the feature-set version and the value parameters."""
    return fitted_state.signature_text(estimator)


def __getattr__(name):
    # GROUPS and DEFAULT_GROUPS were this module's copy of the group list.
    if name == "GROUPS":
        warn_deprecated("musicfeat.features.GROUPS", "musicfeat.groups.GROUPS (the registry)")
        return tuple(registry.GROUPS)
    if name == "DEFAULT_GROUPS":
        warn_deprecated(
            "musicfeat.features.DEFAULT_GROUPS", "musicfeat.groups.FEATURE_SETS['talk419'].groups"
        )
        return registry.FEATURE_SETS[registry.DEFAULT_FEATURE_SET].groups
    if name == "STREAM_ABOVE_SECONDS":
        from .extraction import STREAM_ABOVE_SECONDS

        warn_deprecated(
            "musicfeat.features.STREAM_ABOVE_SECONDS", "musicfeat.extraction.STREAM_ABOVE_SECONDS"
        )
        return STREAM_ABOVE_SECONDS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class MusicFeatures(ClipTransformer):
    """The 419 hand-crafted features of "Machine learning with music" (or another feature set).

    A scikit-learn transformer from clips to one row of features each: the
    groups of a named feature set side by side (:meth:`make_union` gives
    them as a :class:`~sklearn.pipeline.FeatureUnion`), with the STFT and the
    harmonic/percussive separation computed once per clip and shared by
    every group. With the defaults (``feature_set='talk419'``) the output
    has the 419 columns of the feature reference (``docs/features.md``; the
    numerical contract is ``docs/contract.md``), in that order;
    ``band_counts`` and ``window_seconds`` change the length and the names
    together.

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

    Every parameter of every group is a parameter here, under the same name
    and default, and reaches the group (an error names MusicFeatures).

    Parameters
    ----------
    band_counts : sequence of int, default=(4, 11, 24)
        Band sets of :class:`BandEnergy`.
    band_fmin, band_fmax : float, default=20.0, 10000.0
        Frequency range of the bands (Hz).
    window_seconds : sequence of float, default=(0.5, 1, 3, 5)
        Window widths of :class:`WindowedStats`.
    n_mfcc : int, default=20
        Coefficients of :class:`MFCCFeatures` (group ``'mfcc'``), and per
        part of :class:`HPMFCCFeatures` and :class:`HPMFCCVLAD`
        (``'extended'``).
    pitch_fmin, pitch_fmax : float, default=65.0, 1000.0
        Search range of :class:`PitchFeatures` in Hz (group ``'pitch'``).
    vlad_clusters : int, default=16
        Codewords of :class:`HPMFCCVLAD` (``'extended'``), learnt by ``fit``;
        ``fit`` refuses more than the training clips have frames of sound.
    vlad_frames : int, default=500
        Most frames of each training clip pooled for the codebook.
    random_state : int, RandomState instance or None, default=0
        Seed of the codebook's k-means.
    sr : int, default=22050
        Analysis sample rate, from 4 kHz to 192 kHz; files and
        ``(waveform, rate)`` pairs at other rates (1 kHz to 768 kHz) are
        resampled (soxr_hq), bare waveforms must already be at it.
    n_fft : int, default=2048
        STFT frame length, up to 65536 and at least what every included
        group needs at ``sr`` (a bin in each mel filter and each contrast
        octave: 417 at 22,050 Hz, 2185 at 192 kHz; ``fit`` names the value).
    hop_length : int, default=512
        STFT hop, from ``n_fft / 16`` to ``n_fft``.
    kernel_size : int, default=31
        HPSS median filter length, at most ``1 + n_fft // 2``.
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
    max_duration : float or None, default=14400.0
        Longest clip accepted, in seconds (4 hours); None for no limit. A
        file's header is checked before it is decoded, so a file declaring
        more fails alone, quickly, without allocating its samples.
    engine : {'auto', 'stream', 'whole'}, default='auto'
        How a clip is analysed; the features are the same either way
        (``docs/architecture.md``, "The stream engine"). ``'stream'``: a block
        of frames at a time, in memory that does not grow with the clip's
        length (a few hundred MB for hours of audio; the harmonic spectrogram
        waits on disk for the chroma, 12 MB per audio-minute). ``'whole'``:
        the clip held whole, as before 0.3. ``'auto'``: files longer than
        ``STREAM_ABOVE_SECONDS`` (300 s) stream, other clips are held whole.
        ``'stream'`` is refused with ``'pitch'`` (pYIN needs the whole clip,
        and refuses clips over 600 s); streamed clips bypass ``memory``.
    memory : str, joblib.Memory or None, default=None
        Cache of each clip's analysis, keyed on its decoded samples and on
        every parameter that changes a value (not ``engine``,
        ``max_duration``, ``on_error`` nor ``n_jobs``): a grid search over a
        classifier then extracts each clip once, and one over a group's
        parameter (``n_mfcc``) separates each clip's harmonic and percussive
        parts once per front-end setting (kept at 21 MB per audio-minute).
        Equal values are one key: ``band_counts=[4, 11, 24]`` finds the
        analysis of the default ``(4, 11, 24)``. Streamed clips are not cached.
    n_jobs : int or None, default=None
        Clips analysed in parallel worker processes (joblib; ``-1`` for all
        cores). Each worker holds one clip's spectra at a time.
    feature_set : str, default='talk419'
        The named, versioned feature set (:data:`musicfeat.groups.FEATURE_SETS`):
        which groups are computed by default, and the version their
        definitions carry (``feature_set_version_``, and every table of
        them). ``'talk419'``: the talk's 419 features, version
        :data:`musicfeat.FEATURE_SET_VERSION`. ``'extended'`` (version
        ``'extended.1'``, 1339 features): the 419, then
        :class:`HPMFCCFeatures` (280) and :class:`HPMFCCVLAD` (640), which
        learns a codebook in ``fit``: fit it on training clips only (inside
        the pipeline, so each fold of a cross-validation learns its own);
        ``docs/feature-sets.md`` compares the two.
    include : sequence of str or None, default=None
        The groups to compute, by name, instead of all the feature set's:
        any of its groups and of its optional groups. For ``'talk419'``:
        ``'hpss'``, ``'spectral'``, ``'poly'``, ``'zero_crossings'``,
        ``'rhythm'``, ``'note_classes'``, ``'bands'``, ``'windowed'`` (the
        419), and the optional ``'pitch'`` (:class:`PitchFeatures`) and
        ``'mfcc'`` (:class:`MFCCFeatures`). Output follows the registry's
        order (:data:`musicfeat.groups.GROUPS`) whatever the order given; all
        share one analysis per clip, and the version stays the feature set's.
        ``'extended'`` offers ``'hp_mfcc'`` and ``'hp_mfcc_vlad'`` besides
        the groups of ``'talk419'``, and the same optional groups.
    groups : list of (str, ClipTransformer) or None, default=None
        Feature groups of your own, appended after the feature set's, like
        the ``transformer_list`` of a :class:`~sklearn.pipeline.FeatureUnion`:
        each is cloned, gets this estimator's analysis, and shares its one
        analysis per clip, streaming, ``memory=`` and ``n_jobs``
        (``docs/custom-groups.md``). ``feature_set_version_`` stays the
        feature set's: the version of the groups you add is yours to keep.

    Attributes
    ----------
    n_features_out_ : int
        Number of output features (419 with the defaults).
    feature_set_version_ : str
        Version of the feature set's definitions (for ``'talk419'``,
        :data:`musicfeat.FEATURE_SET_VERSION`).
    groups_ : tuple of transformers
        The fitted groups, only when one of them learns from training clips
        (no group of ``'talk419'`` does; :class:`HPMFCCVLAD` of
        ``'extended'`` does). :meth:`save_fitted` and :meth:`load_fitted`
        keep their state in a ``.npz`` file, without pickle.

    See Also
    --------
    musicfeat.Spectra : the shared per-clip analysis.

    Notes
    -----
    X holds clips (paths, waveforms, pairs), not a numeric matrix, so the
    estimator's tags say ``input_tags.two_d_array = False`` and
    :func:`sklearn.utils.estimator_checks.check_estimator` runs
    ``check_estimator_cloneable`` alone, then skips every other check with a
    ``SkipTestWarning``: its pass says nothing more. The checks that need no
    data run one by one for this class and every registered group in
    ``tests/test_sklearn_contract.py`` (``check_estimator_cloneable``,
    ``check_no_attributes_set_in_init``,
    ``check_parameters_default_constructible``,
    ``check_get_params_invariance``, ``check_set_params``,
    ``check_estimator_repr``), beside tests written for audio: clone,
    pickle, feature names, ``set_output``, pipelines, cross-validation and
    grid search with ``memory=`` (``docs/sklearn.md``).

    Parameters no clip could use are refused by ``fit``, naming them.
    Parameters that give finite but degenerate features (a width of
    ``window_seconds`` longer than every clip of a call, ``band_fmax`` above
    ``sr / 2``, tempo of clips shorter than its 8-s window) give one
    :class:`~musicfeat.DegenerateFeatureWarning` per ``transform`` call.

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

    The extended set learns a codebook in ``fit``: in a pipeline, each fold of
    a cross-validation learns its own from its training clips.

    >>> model = make_pipeline(MusicFeatures(feature_set="extended"), StandardScaler(), RandomForestClassifier())
    >>> MusicFeatures(feature_set="extended").get_feature_names_out().shape
    (1339,)
    """

    def __init__(
        self,
        *,
        band_counts=DEFAULT_BAND_COUNTS,
        band_fmin=20.0,
        band_fmax=10000.0,
        window_seconds=DEFAULT_WINDOW_SECONDS,
        n_mfcc=20,
        pitch_fmin=65.0,
        pitch_fmax=1000.0,
        vlad_clusters=16,
        vlad_frames=500,
        random_state=0,
        sr=FrontEndConfig.sr,
        n_fft=FrontEndConfig.n_fft,
        hop_length=FrontEndConfig.hop_length,
        kernel_size=FrontEndConfig.kernel_size,
        hpss_power=FrontEndConfig.hpss_power,
        hpss_margin=FrontEndConfig.hpss_margin,
        on_error="raise",
        max_duration=DEFAULT_MAX_DURATION,
        engine="auto",
        memory=None,
        n_jobs=None,
        feature_set=registry.DEFAULT_FEATURE_SET,
        include=None,
        groups=None,
    ):
        super().__init__(
            sr=sr,
            n_fft=n_fft,
            hop_length=hop_length,
            kernel_size=kernel_size,
            hpss_power=hpss_power,
            hpss_margin=hpss_margin,
            on_error=on_error,
            max_duration=max_duration,
            engine=engine,
        )
        self.band_counts = band_counts
        self.band_fmin = band_fmin
        self.band_fmax = band_fmax
        self.window_seconds = window_seconds
        self.n_mfcc = n_mfcc
        self.pitch_fmin = pitch_fmin
        self.pitch_fmax = pitch_fmax
        self.vlad_clusters = vlad_clusters
        self.vlad_frames = vlad_frames
        self.random_state = random_state
        self.memory = memory
        self.n_jobs = n_jobs
        self.feature_set = feature_set
        self.include = include
        self.groups = groups

    def make_union(self):
        """The included groups as a FeatureUnion with this estimator's parameters.

        Used alone on raw clips the union analyses each clip once per group;
        :class:`MusicFeatures` gives the same columns analysing each clip once.

        Returns
        -------
        sklearn.pipeline.FeatureUnion
        """
        return FeatureUnion(
            [(name, registry.build_group(registry.GROUPS[name], self)) for name in self._included_groups()]
            + [(name, selection.user_group_alone(self, group)) for name, group in self._user_groups()],
            verbose_feature_names_out=False,
        )

    # ------------------------------------------------------------------
    # the feature set and its groups (musicfeat/_selection.py)

    def _feature_set(self):
        return selection.feature_set(self)

    def _included_groups(self):
        return selection.included_groups(self)

    def _user_groups(self):
        return selection.user_groups(self)

    def _group_names(self):
        """The name of each group of the output, in order: the feature set's, then ``groups``'."""
        return tuple(self._included_groups()) + tuple(name for name, _ in self._user_groups())

    @property
    def learns(self):
        """Whether a group of the feature set learns from training clips (``fit`` then needs X)."""
        try:
            return any(registry.GROUPS[name].learns for name in self._included_groups()) or any(
                group.learns for _, group in self._user_groups()
            )
        except ValueError:  # invalid parameters: fit or transform will say which
            return False

    def _check_front_end(self):
        config = super()._check_front_end()
        if self.n_jobs is not None:
            v.check_int(self, "n_jobs", self.n_jobs, minimum=-(2**31))
            if self.n_jobs == 0:
                raise v.fail(self, "n_jobs", "a nonzero int or None", 0)
        check_memory(self.memory)
        return config

    def _build_groups(self):
        return selection.build_groups(self, asdict(super()._check_front_end()))

    def _fitted_groups(self):
        if not self.learns:
            return self._build_groups()
        check_is_fitted(self)
        return self.groups_

    def __sklearn_is_fitted__(self):
        return not self.learns or hasattr(self, "groups_")

    # ------------------------------------------------------------------
    # scikit-learn API

    def fit(self, X=None, y=None):
        """Validate the parameters, and learn from X when a group of the feature set learns.

        Parameters
        ----------
        X : sequence of clips, optional
            Training clips; ignored (and optional) when no included group
            learns, as in ``'talk419'``.
        y : ignored

        Returns
        -------
        self
        """
        return super().fit(X, y)

    def _remember_fit(self, plan):
        super()._remember_fit(plan)
        self.feature_set_version_ = self._feature_set().version
        if plan.learners:
            self.groups_ = plan.groups

    def _n_jobs(self):
        return self.n_jobs

    def _whole(self, plan):
        memory = check_memory(self.memory)
        if memory.location is None:
            return None
        return CachedWhole(memory, self._feature_set().version, __version__)

    # ------------------------------------------------------------------
    # fitted state without pickle

    def save_fitted(self, path):
        """Write what ``fit`` learnt to a ``.npz`` file (plain arrays, no pickle).

        With :meth:`load_fitted`, a fitted extractor's state travels without
        pickle: what a batch run learnt beside its table, or a codebook
        shipped with a model.

        Parameters
        ----------
        path : str or PathLike
            Written atomically; ``.npz`` is not appended.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If a group learns and ``fit`` has not run.
        """
        check_is_fitted(self)
        fitted_state.save_state(
            self, zip(self._group_names(), getattr(self, "groups_", ()), strict=False), path
        )

    def load_fitted(self, path):
        """Set the fitted state from a file of :meth:`save_fitted`, made with these parameters.

        Parameters
        ----------
        path : str or PathLike

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If the file was written by an extractor with other parameters or
            another feature-set version (the message names them), holds no
            state for one of the learning groups, or is damaged or holds a
            state these parameters do not give (a key, dtype, shape or
            value; every member is checked before its data is read).

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from musicfeat import MusicFeatures
        >>> rng = np.random.default_rng(0)
        >>> clips = [(0.1 * rng.standard_normal(22050)).astype(np.float32) for _ in range(2)]
        >>> mf = MusicFeatures(feature_set="extended", include=["hp_mfcc_vlad"], vlad_clusters=4).fit(clips)
        >>> path = os.path.join(tempfile.mkdtemp(), "codebook.npz")
        >>> mf.save_fitted(path)
        >>> again = MusicFeatures(feature_set="extended", include=["hp_mfcc_vlad"], vlad_clusters=4)
        >>> bool(np.array_equal(again.load_fitted(path).transform(clips), mf.transform(clips)))
        True
        """
        plan = self._plan(fitting=True)
        fitted_state.load_state(self, zip(self._group_names(), plan.groups, strict=True), path)
        self._remember_fit(plan)
        return self
