"""The feature-group protocol, and the transformer every group and MusicFeatures share.

A feature group is a :class:`ClipTransformer` that says, for one clip,

- ``feature_names()`` and ``feature_descriptions()``: its columns, named and
  defined, in output order;
- ``accumulator(config)``: a new object with ``add(block)``, called with each
  :class:`~musicfeat.streaming.SpectraBlock` of the clip in order, and
  ``finish()``, which returns the clip's *data* (and ``close()``, if it keeps
  a scratch file: called whether the clip succeeds or fails);
- ``encode(data)``: the clip's row from its data (by default the data is
  the row);

and, when it learns from training clips (``learns = True``),
``fit_clips(datas, owner)``, which sets its fitted attributes from the
training clips' data (each reduced by ``fit_sample(data)`` as it arrives, if
the group defines it). A group that needs the whole clip at once sets
``needs_whole_clip = True``: it receives the clip as one block. A clip held
whole is the stream path on one block (:func:`~musicfeat.streaming.whole_clip_block`),
so both engines agree by construction. ``docs/custom-groups.md`` writes one.

A group never decodes: the extraction layer (:mod:`musicfeat.extraction`)
does. It sits above the groups, so a group used alone imports it by name on
its first call (:func:`_layer`), and its ``fit`` and ``transform`` are the
layer's.
"""

import importlib
from collections import Counter

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .. import _validation as v
from ..frontend import FrontEndConfig
from ..io.limits import DEFAULT_MAX_DURATION
from ..stats import MOMENT_DESCRIPTIONS
from ._frames import MAX_N_FFT, SR_RANGE, check_frames

__all__ = ["ClipTransformer", "stat_names", "stat_descriptions"]

#: The extraction layer, above the groups: named, not imported (see :func:`_layer`).
_EXTRACTION = __name__.rsplit(".", 2)[0] + ".extraction"


def _layer(name):
    """``name`` of the extraction layer (``calls``, ``ExtractionPlan``, ...), importing it on first use.

    A group alone is a transformer of raw clips, yet sits below the layer
    that decodes them. The layer is imported by name when a call first needs
    it, so that importing a group imports no decoder, and a group works
    whatever was imported before it (``import musicfeat`` is lazy).
    """
    return getattr(importlib.import_module(_EXTRACTION), name)


class ClipTransformer(TransformerMixin, BaseEstimator):
    """Base class of every musicfeat transformer and feature group: X is a sequence of clips.

    A group defines the protocol of this module's docstring
    (:meth:`feature_names`, :meth:`feature_descriptions`,
    :meth:`accumulator`, and :meth:`encode` or :meth:`fit_clips` as needed),
    validates its own parameters in ``_check_group_params(owner)`` (errors
    name ``owner``; returns them in canonical form), and lists its
    parameters in ``__init__`` as scikit-learn requires. A stateless group's
    ``fit`` only validates the parameters, and ``transform`` works without it.
    """

    #: Whether the group learns from training clips (then it defines :meth:`fit_clips`).
    learns = False
    #: Whether the group needs the whole clip as one block (it cannot stream; pYIN).
    needs_whole_clip = False

    def __init__(
        self,
        *,
        sr=FrontEndConfig.sr,
        n_fft=FrontEndConfig.n_fft,
        hop_length=FrontEndConfig.hop_length,
        kernel_size=FrontEndConfig.kernel_size,
        hpss_power=FrontEndConfig.hpss_power,
        hpss_margin=FrontEndConfig.hpss_margin,
        on_error="raise",
        max_duration=DEFAULT_MAX_DURATION,
        engine="auto",
    ):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.kernel_size = kernel_size
        self.hpss_power = hpss_power
        self.hpss_margin = hpss_margin
        self.on_error = on_error
        self.max_duration = max_duration
        self.engine = engine

    # ------------------------------------------------------------------
    # the group protocol

    def feature_names(self):
        """The group's feature names, in column order (a list of str)."""
        raise NotImplementedError(f"{type(self).__name__} must define feature_names()")

    def feature_descriptions(self):
        """A one-line definition of each feature, aligned with :meth:`feature_names`."""
        raise NotImplementedError(f"{type(self).__name__} must define feature_descriptions()")

    def accumulator(self, config):
        """A new accumulator of one clip analysed with ``config``: ``add(block)``, ``finish() -> data``."""
        raise NotImplementedError(f"{type(self).__name__} must define accumulator(config)")

    def encode(self, data):
        """The clip's row (a 1-D float array of ``len(feature_names())``) from its data."""
        return data

    def fit_sample(self, data):
        """What :meth:`fit_clips` needs of one training clip's data (by default all of it).

        Called as each training clip finishes (in its worker with ``n_jobs``),
        so ``fit`` over a folder holds this much per clip, not the clip's data.
        """
        return data

    def fit_clips(self, datas, owner=None):
        """Learn from the training clips' :meth:`fit_sample` (a list, one per clip); errors name ``owner``."""
        raise NotImplementedError(f"{type(self).__name__} learns: it must define fit_clips(datas, owner)")

    # ------------------------------------------------------------------
    # optional checks a group may refine

    def _check_group_params(self, owner=None):
        """Validate this group's own parameters, naming ``owner``; return them in canonical form."""
        return {}

    def _check_analysis(self, config, owner):
        """Check this group's parameters against the analysis ``config``; errors name ``owner``."""

    def _longest_clip(self):
        """``(seconds, why)``: the longest clip a group that needs the whole clip can hold, or None."""
        return None

    def _smallest_n_fft(self, sr):
        """``(n_fft, why)``: the shortest frame this group can work with at ``sr``, or None for any."""
        return None

    def _degeneracies(self, config, seconds):
        """Phrases for a DegenerateFeatureWarning: what makes some features degenerate for clips of ``seconds``."""
        return []

    # ------------------------------------------------------------------
    # parameters, validated once per call

    def _check_front_end(self):
        """Validate the analysis parameters, ``on_error``, ``engine`` and ``max_duration``."""
        config = FrontEndConfig(
            sr=v.check_int(self, "sr", self.sr, minimum=SR_RANGE[0], maximum=SR_RANGE[1]),
            n_fft=v.check_int(self, "n_fft", self.n_fft, minimum=2, maximum=MAX_N_FFT),
            hop_length=v.check_int(self, "hop_length", self.hop_length, minimum=1),
            kernel_size=v.check_int(self, "kernel_size", self.kernel_size, minimum=1),
            hpss_power=v.check_real(self, "hpss_power", self.hpss_power, minimum=0.0, include_minimum=False),
            hpss_margin=v.check_real(self, "hpss_margin", self.hpss_margin, minimum=1.0),
        )
        v.check_options(self, "on_error", self.on_error, _layer("ON_ERROR_OPTIONS"))
        v.check_options(self, "engine", self._engine, _layer("ENGINE_OPTIONS"))
        v.check_real(
            self, "max_duration", self.max_duration, minimum=0.0, include_minimum=False, allow_none=True
        )
        return config

    @property
    def _engine(self):
        # A group whose __init__ does not list engine runs with 'auto'.
        return getattr(self, "engine", "auto")

    def _build_groups(self):
        """The groups this transformer computes, validated and in output order: a group is its own."""
        self._check_group_params()
        return (self,)

    def _fitted_groups(self):
        """The groups ``transform`` uses: those of ``fit`` for a transformer that learns."""
        if self.learns:
            check_is_fitted(self)
        return self._build_groups()

    def _plan(self, *, fitting=False):
        config = self._check_front_end()
        groups = self._build_groups() if fitting else self._fitted_groups()
        check_frames(self, config, groups)
        for group in groups:
            group._check_analysis(config, owner=self)
        per_group = [tuple(group.feature_names()) for group in groups]
        names = tuple(name for group_names in per_group for name in group_names)
        twice = sorted(name for name, count in Counter(names).items() if count > 1)
        if twice:
            raise ValueError(f"{type(self).__name__}: features named twice by its groups: {twice[:5]}.")
        whole = [type(group).__name__ for group in groups if group.needs_whole_clip]
        if self._engine == "stream" and whole:
            raise v.fail(
                self,
                "engine",
                f"'auto' or 'whole' ({', '.join(whole)} needs the whole clip at once)",
                "stream",
            )
        owner = type(self).__name__
        return _layer("ExtractionPlan")(
            config,
            groups,
            names,
            self._engine,
            self.max_duration,
            self.on_error,
            owner,
            group_names=self._group_names(),
            widths=tuple(map(len, per_group)),
        )

    def _group_names(self):
        """The name of each group of the output, in order, for errors: none for a group alone (its class)."""
        return ()

    def _whole(self, plan):
        """How a clip held whole is analysed: None for the runner's own way (no cache)."""
        return None

    def _n_jobs(self):
        return None

    # ------------------------------------------------------------------
    # scikit-learn API

    def fit(self, X=None, y=None):
        """Validate the parameters, and learn from X for a transformer that learns.

        Parameters
        ----------
        X : sequence of clips, optional
            Training clips; ignored (and optional) when nothing is learnt.
        y : ignored

        Returns
        -------
        self
        """
        _layer("calls").fit(self, X)
        return self

    def _remember_fit(self, plan):
        self.n_features_out_ = len(plan.names)

    def transform(self, X):
        """Compute the features of every clip.

        Parameters
        ----------
        X : sequence of clips
            Each item is a path (str or PathLike), a binary file object, a
            1-D float waveform at ``sr``, a ``(waveform, sample_rate)`` pair,
            or a :class:`~musicfeat.Spectra` made with the same front-end
            parameters. Mixed kinds are fine.

        Returns
        -------
        np.ndarray [shape=(n_clips, n_features_out), dtype=float64]
            Finite values; with ``on_error='nan'`` a failed clip's row is NaN.

        Raises
        ------
        InvalidAudioError
            For a clip that cannot be read or analysed (with ``on_error='raise'``).

        Warns
        -----
        ExtractionWarning
            For each clip given a row of NaN (with ``on_error='nan'``).
        DegenerateFeatureWarning
            Once per call, when parameters make some features degenerate for
            the clips of the call (a window longer than every clip, a band
            edge above ``sr / 2``, tempo of clips shorter than its window).
        """
        return _layer("calls").transform(self, X)

    def fit_transform(self, X, y=None):
        """Fit to X and transform it, reading each clip once.

        The same result as ``fit(X).transform(X)``. When a group learns from
        the training clips, each clip's data is kept in memory between the
        two steps (about 0.4 MB per minute of audio for ``HPMFCCVLAD``).

        Parameters
        ----------
        X : sequence of clips
        y : ignored

        Returns
        -------
        np.ndarray [shape=(n_clips, n_features_out), dtype=float64]
        """
        return _layer("calls").fit_transform(self, X)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features, in column order.

        Parameters
        ----------
        input_features : ignored
            X holds clips, not named columns.

        Returns
        -------
        np.ndarray of str objects
        """
        return np.asarray([n for group in self._build_groups() for n in group.feature_names()], dtype=object)

    def describe_features(self):
        """A one-line definition of each output feature, in column order.

        Returns
        -------
        np.ndarray of str objects
            Aligned with :meth:`get_feature_names_out`.

        Examples
        --------
        >>> from musicfeat import ZeroCrossingFeatures
        >>> str(ZeroCrossingFeatures().describe_features()[0])
        'zero-crossing rate of the waveform (`librosa.feature.zero_crossing_rate`), mean over frames'
        """
        self._check_front_end()  # some definitions depend on the analysis (sr)
        return np.asarray(
            [d for group in self._build_groups() for d in group.feature_descriptions()], dtype=object
        )

    def __sklearn_is_fitted__(self):
        return not self.learns or hasattr(self, "n_features_out_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = self.learns
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []
        return tags


def stat_names(prefix, stats):
    """``[f"{prefix}_{s}" for s in stats]``: the naming pattern of every group."""
    return [f"{prefix}_{s}" for s in stats]


def stat_descriptions(series, stats):
    """The definitions matching :func:`stat_names`: ``"{series}, {how the stat is taken}"``."""
    return [f"{series}, {MOMENT_DESCRIPTIONS[s]}" for s in stats]
