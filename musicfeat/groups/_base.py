"""What every feature transformer shares: parameters, the one per-clip path, the error policy.

The room under every group and under :class:`~musicfeat.MusicFeatures`.
:class:`ClipTransformer` validates the parameters once per ``fit`` or
``transform`` call into an :class:`ExtractionPlan` (the front-end
configuration, the groups, the output names) and sends every clip, whether
a path, a waveform or a :class:`~musicfeat.Spectra`, through one wrapper
(:meth:`ClipTransformer._clip_result`): a failure becomes an
:class:`~musicfeat.InvalidAudioError` naming the clip, which ``on_error``
then raises or turns into a row of NaN.
"""

import os
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from .. import _validation as v
from ..exceptions import DegenerateFeatureWarning, ExtractionWarning, InvalidAudioError
from ..frontend import FrontEndConfig, Spectra
from ..io import DEFAULT_MAX_DURATION, AudioStream, as_items, item_error, load_audio, open_audio, open_stream
from ..stats import MOMENT_DESCRIPTIONS
from ..streaming import spectra_blocks, whole_clip_block
from ._frames import MAX_N_FFT, SR_RANGE, check_frames

ON_ERROR_OPTIONS = ("raise", "nan")
ENGINE_OPTIONS = ("auto", "stream", "whole")

#: With ``engine='auto'``, files longer than this (seconds, from their header)
#: are analysed by the stream engine. Measured (benchmarks/README.md): from
#: about this length the whole-clip path's memory passes the stream's flat
#: bound, while both run at the same speed.
STREAM_ABOVE_SECONDS = 300.0


class Clip(NamedTuple):
    """What one clip gave: its row (or training sample), and how long it lasts."""

    value: object
    seconds: float


@dataclass(frozen=True)
class ExtractionPlan:
    """What one ``fit`` or ``transform`` call validated and built, handed to every clip.

    Attributes
    ----------
    config : FrontEndConfig
        The analysis of each clip.
    groups : tuple of ClipTransformer
        The feature groups, in output order; a group alone is its own only group.
    names : tuple of str
        The output features.
    """

    config: FrontEndConfig
    groups: tuple
    names: tuple
    engine: str = "auto"

    @property
    def learners(self):
        """The groups that learn from training clips."""
        return tuple(group for group in self.groups if group._learns)

    def features(self, spectra):
        """One clip's row: every group's features of the same analysis."""
        return features_of(self.groups, spectra)

    @property
    def streamable(self):
        """Whether every group has a stream accumulator (:meth:`ClipTransformer._stream`)."""
        return all(group._stream(self.config) is not None for group in self.groups)

    def streams(self, item, task):
        """Whether ``item`` may go through the stream engine (then its length decides, for ``'auto'``).

        Files and waveforms alike: a waveform is in memory already, but its
        spectra need not be.
        """
        if task != "features" or self.engine == "whole" or isinstance(item, Spectra):
            return False
        return self.engine == "stream" or self.streamable

    def stream_pays(self, duration):
        """Whether a clip of ``duration`` seconds (None: unknown) takes the stream engine."""
        return self.engine == "stream" or duration is None or duration > STREAM_ABOVE_SECONDS

    def stream_features(self, stream):
        """One clip's row from its :class:`~musicfeat.io.AudioStream`, a block of frames at a time."""
        accumulators = [group._stream(self.config) for group in self.groups]
        try:
            for block in spectra_blocks(stream.chunks(), self.config):
                for accumulator in accumulators:
                    accumulator.add(block)
            rows = [accumulator.finish() for accumulator in accumulators]
        finally:  # a failed stream leaves no scratch file behind
            for accumulator in accumulators:
                getattr(accumulator, "close", lambda: None)()
        return rows[0] if len(rows) == 1 else np.concatenate(rows)


def features_of(groups, spectra):
    """The groups' features of one clip's :class:`~musicfeat.Spectra`, concatenated."""
    rows = [group._features(spectra) for group in groups]
    return rows[0] if len(rows) == 1 else np.concatenate(rows)


class ClipTransformer(TransformerMixin, BaseEstimator):
    """Base class of every musicfeat transformer: X is a sequence of clips.

    A feature group defines ``_feature_names()`` (a list of str),
    ``_feature_descriptions()`` (a one-line definition per feature, same
    order) and ``_features(spectra)`` (a 1-D float array of that length),
    validates its own parameters in ``_check_group_params(owner)`` (errors
    name ``owner``), and lists its parameters in ``__init__`` as
    scikit-learn requires.

    A group is stateless unless it sets ``_learns = True``: then ``fit``
    sends every training clip through ``_fit_clip(spectra)`` (what the group
    keeps of one clip; small, and computed in worker processes when
    ``n_jobs`` asks for them) and hands the list to
    ``_fit_finish(samples, owner)``, which sets the fitted attributes (and
    names ``owner``'s parameter when the samples cannot define them). A
    stateless transformer's ``fit`` only validates the parameters, and
    ``transform`` works without it.

    A learning group that also sets ``_splits_clip_data = True`` splits its
    per-clip work in three: ``_clip_data(spectra)`` (what it reads of a
    clip, for fit and transform alike), ``_fit_sample(data)`` and
    ``_encode(data)``; :class:`~musicfeat.MusicFeatures` then caches the
    first, so that fitting and transforming the same clips analyses each
    once.
    """

    #: True for a group that learns from training clips (see the class docstring).
    _learns = False
    #: True for a learning group whose per-clip work splits (see the class docstring).
    _splits_clip_data = False

    def __init__(
        self,
        *,
        sr=22050,
        n_fft=2048,
        hop_length=512,
        kernel_size=31,
        hpss_power=2.0,
        hpss_margin=1.0,
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
    # parameters, validated once per call

    def _check_front_end(self):
        """Validate the analysis parameters, ``on_error`` and ``max_duration``; return the front-end configuration."""
        config = FrontEndConfig(
            sr=v.check_int(self, "sr", self.sr, minimum=SR_RANGE[0], maximum=SR_RANGE[1]),
            n_fft=v.check_int(self, "n_fft", self.n_fft, minimum=2, maximum=MAX_N_FFT),
            hop_length=v.check_int(self, "hop_length", self.hop_length, minimum=1),
            kernel_size=v.check_int(self, "kernel_size", self.kernel_size, minimum=1),
            hpss_power=v.check_real(self, "hpss_power", self.hpss_power, minimum=0.0, include_minimum=False),
            hpss_margin=v.check_real(self, "hpss_margin", self.hpss_margin, minimum=1.0),
        )
        v.check_options(self, "on_error", self.on_error, ON_ERROR_OPTIONS)
        v.check_options(self, "engine", self._engine, ENGINE_OPTIONS)
        v.check_real(
            self, "max_duration", self.max_duration, minimum=0.0, include_minimum=False, allow_none=True
        )
        return config

    @property
    def _engine(self):
        # A group whose __init__ does not list engine (written before it) runs with 'auto'.
        return getattr(self, "engine", "auto")

    def _check_group_params(self, owner=None):
        """Validate this group's own parameters, naming ``owner`` (default: the group) in errors.

        Returns
        -------
        dict
            Each of the group's own parameters, validated and in one
            canonical form (a tuple of floats for ``[0.5, 1]`` and
            ``(0.5, 1.0)`` alike), so equal settings compare and hash equal.
        """
        return {}

    def _check_analysis(self, config, owner):
        """Check this group's parameters against the analysis ``config``; errors name ``owner``."""

    def _longest_clip(self):
        """``(seconds, why)``: the longest clip this group can analyse, or None for any length.

        For a group that needs the whole clip at once (no :meth:`_stream`)
        and whose memory grows with it; a longer clip fails before it is
        decoded (from a file's header).
        """
        return None

    def _smallest_n_fft(self, sr):
        """``(n_fft, why)``: the shortest frame this group can work with at ``sr``, or None for any."""
        return None

    def _degeneracies(self, config, seconds):
        """What makes some of this group's features degenerate in one call, as phrases for a warning.

        Parameters
        ----------
        config : FrontEndConfig
        seconds : np.ndarray
            Durations of the call's clips that were analysed.
        """
        return []

    def _build_groups(self):
        """The groups this transformer computes, validated and in output order: a group is its own."""
        self._check_group_params()
        return (self,)

    def _fitted_groups(self):
        """The groups ``transform`` uses: those of ``fit`` for a transformer that learns."""
        if self._learns:
            check_is_fitted(self)
        return self._build_groups()

    def _plan(self, *, fitting=False):
        config = self._check_front_end()
        groups = self._build_groups() if fitting else self._fitted_groups()
        check_frames(self, config, groups)
        for group in groups:
            group._check_analysis(config, owner=self)
        names = tuple(name for group in groups for name in group._feature_names())
        plan = ExtractionPlan(config, groups, names, self._engine)
        if plan.engine == "stream" and not plan.streamable:
            whole = ", ".join(type(g).__name__ for g in groups if g._stream(config) is None)
            raise v.fail(
                self, "engine", f"'auto' or 'whole' ({whole} needs the whole clip at once)", self._engine
            )
        return plan

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
        plan = self._plan(fitting=True)
        if plan.learners:
            self._learn(X, plan)
        self._remember_fit(plan)
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
        plan = self._plan()
        items = as_items(X)
        out = np.empty((len(items), len(plan.names)), dtype=np.float64)
        seconds = []
        for index, (clip, error) in enumerate(self._clip_outcomes(items, plan, "features")):
            if error is None:
                out[index] = clip.value
                seconds.append(clip.seconds)
            else:
                out[index] = self._nan_row_or_raise(error, plan)
        self._warn_degenerate(plan, np.asarray(seconds, dtype=np.float64))
        return out

    def _warn_degenerate(self, plan, seconds):
        """One :class:`~musicfeat.DegenerateFeatureWarning` per call, naming what made features degenerate."""
        phrases = [phrase for group in plan.groups for phrase in group._degeneracies(plan.config, seconds)]
        if phrases:
            warnings.warn(
                "Degenerate features: " + "; ".join(phrases) + ".", DegenerateFeatureWarning, stacklevel=3
            )

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
        return np.asarray([n for group in self._build_groups() for n in group._feature_names()], dtype=object)

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
            [d for group in self._build_groups() for d in group._feature_descriptions()], dtype=object
        )

    def __sklearn_is_fitted__(self):
        return not self._learns or hasattr(self, "n_features_out_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = self._learns
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []
        return tags

    # ------------------------------------------------------------------
    # learning from training clips

    def _learn(self, X, plan):
        if X is None:
            learners = ", ".join(type(group).__name__ for group in plan.learners)
            raise ValueError(f"{type(self).__name__} learns from training clips ({learners}): fit needs X.")
        samples = []
        for clip, error in self._clip_outcomes(as_items(X), plan, "fit"):
            if error is None:
                samples.append(clip.value)
            elif self.on_error == "raise":
                raise error
            else:
                warnings.warn(f"{error}; left out of fit.", ExtractionWarning, stacklevel=3)
        for k, learner in enumerate(plan.learners):
            learner._fit_finish([sample[k] for sample in samples], owner=self)

    # ------------------------------------------------------------------
    # the per-clip path

    def _clip_outcomes(self, items, plan, task):
        """``(result, error)`` for every item, in order; subclasses may compute them in parallel."""
        return (self._clip_outcome(item, index, plan, task) for index, item in enumerate(items))

    def _clip_outcome(self, item, index, plan, task):
        """``(Clip, None)``, or ``(None, error)`` for a clip that failed.

        Errors are returned, not raised, so that worker processes hand them
        back to the parent, which alone applies the ``on_error`` policy. One
        BLAS thread per clip: the values then do not depend on the machine's
        BLAS threading (OpenBLAS rounds differently with other thread
        counts), and parallel clips do not oversubscribe the cores.
        """
        try:
            with threadpool_limits(limits=1, user_api="blas"):
                return self._clip_result(item, index, plan, task), None
        except InvalidAudioError as error:
            return None, error

    def _clip_result(self, item, index, plan, task):
        """One clip's row (``task='features'``) or training sample (``'fit'``), as a :class:`Clip`.

        The one path of every kind of item: a Spectra is checked against the
        plan's analysis, anything else is decoded; whatever fails in the
        analysis, running out of memory included, is the clip's
        :class:`~musicfeat.InvalidAudioError`, named by its position in X.
        """
        if isinstance(item, Spectra):
            if item.config != plan.config:
                raise item_error(
                    index,
                    item,
                    f"a Spectra computed with {item.config}, but {type(self).__name__} has "
                    f"{plan.config}; use the same front-end parameters",
                )
            return self._analysed(item, index, plan, task, item)
        self._refuse_too_long(item, index, plan)
        if plan.streams(item, task):
            with open_stream(item, plan.config.sr, index=index, max_duration=self.max_duration) as stream:
                if plan.stream_pays(stream.duration):
                    return self._analysed(item, index, plan, task, stream)
                y = stream.whole()  # equal to load_audio's, from the file opened once
        else:
            y = load_audio(item, plan.config.sr, index=index, max_duration=self.max_duration)
        return self._analysed(item, index, plan, task, y)

    def _refuse_too_long(self, item, index, plan):
        """A clip longer than a group of the plan can hold whole fails, from a file's header when it has one."""
        limits = [limit for group in plan.groups if (limit := group._longest_clip())]
        if not limits:
            return
        seconds, why = min(limits, key=lambda limit: limit[0])
        if isinstance(item, Spectra):
            duration = item.y.size / item.config.sr
        elif isinstance(item, (str, bytes, os.PathLike)) or hasattr(item, "seek"):
            with open_audio(item, index=index, max_duration=self.max_duration) as audio:
                duration = audio.header.duration
            if hasattr(item, "seek"):
                item.seek(0)  # load_audio reads it from the start
        else:  # a waveform (or a pair with its rate); load_audio says what is wrong with it, if anything
            try:
                y, rate = item if isinstance(item, tuple) else (item, plan.config.sr)
                duration = np.shape(y)[-1] / float(rate)
            except Exception:
                return
        if duration is not None and duration > seconds:
            raise item_error(index, item, f"it lasts {duration:.0f} s, longer than {seconds:g} s: {why}")

    def _analysed(self, item, index, plan, task, source):
        """The :class:`Clip` of one item from its waveform, its Spectra or its open stream."""
        streamed = isinstance(source, AudioStream)
        n_samples = source.y.size if isinstance(source, Spectra) else None if streamed else source.size
        try:
            if streamed:
                value, n_samples = plan.stream_features(source), source.n_samples
            else:
                value = self._clip_value(source, plan, task)
            if task != "features":
                return Clip(value, n_samples / plan.config.sr)
        except InvalidAudioError:  # the stream's decoding: already the item's error
            raise
        except MemoryError:
            seconds = f"{n_samples / plan.config.sr:.0f} s" if n_samples else "a clip"
            raise item_error(
                index, item, f"ran out of memory analysing it ({seconds} at {plan.config.sr} Hz)"
            ) from None
        except Exception as error:  # a failure on one clip must name that clip
            raise item_error(
                index, item, f"feature extraction failed ({type(error).__name__}: {error})"
            ) from error
        return Clip(self._checked(value, index, item, plan), n_samples / plan.config.sr)

    def _clip_value(self, source, plan, task):
        """What ``task`` needs of one decoded clip (a waveform or a Spectra).

        ``'features'``: its row; ``'fit'``: the tuple of what each learning
        group keeps of it. Subclasses may add tasks of their own.
        """
        if task == "fit":
            spectra = source if isinstance(source, Spectra) else Spectra(source, plan.config)
            return tuple(learner._fit_clip(spectra) for learner in plan.learners)
        return plan.features(source) if isinstance(source, Spectra) else self._compute_row(source, plan)

    def _compute_row(self, y, plan):
        """One clip's features from its waveform (the unit a cache may store)."""
        return plan.features(Spectra(y, plan.config))

    def _checked(self, row, index, item, plan):
        row = np.asarray(row, dtype=np.float64)
        bad = ~np.isfinite(row)
        if bad.any():
            names = [n for n, b in zip(plan.names, bad, strict=True) if b]
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            raise item_error(index, item, f"features came out non-finite: {names[:5]}{more}")
        return row

    def _nan_row_or_raise(self, error, plan):
        if self.on_error == "raise":
            raise error
        warnings.warn(f"{error}; its features are NaN.", ExtractionWarning, stacklevel=4)
        return np.full(len(plan.names), np.nan)

    # ------------------------------------------------------------------
    # to be defined by each group

    def _feature_names(self):
        raise NotImplementedError

    def _feature_descriptions(self):
        raise NotImplementedError

    def _stream(self, config):
        """A new stream accumulator of one clip, or None for a group that needs the whole clip at once.

        The accumulator has ``add(block)``, called with each
        :class:`~musicfeat.streaming.SpectraBlock` of the clip in order, and
        ``finish()``, which returns the group's row (a 1-D float array of
        ``len(_feature_names())``). :class:`~musicfeat.streaming.FrameSeries`
        makes one from a per-block function and a finish function. The
        whole-clip path runs the same accumulator on the clip as one block
        (:meth:`_features`), so both paths agree by construction. An
        accumulator that keeps a :class:`~musicfeat.streaming.FrameStore`
        also has ``close()``, called whether the clip succeeds or fails.
        """
        return None

    def _features(self, spectra):
        """The group's row of one clip's :class:`~musicfeat.Spectra`: its stream accumulator, on one block."""
        accumulator = self._stream(spectra.config)
        if accumulator is None:
            raise NotImplementedError(f"{type(self).__name__} defines neither _stream nor _features")
        accumulator.add(whole_clip_block(spectra))
        return accumulator.finish()

    def _fit_clip(self, spectra):
        raise NotImplementedError

    def _fit_finish(self, samples, owner=None):
        raise NotImplementedError

    def _clip_data(self, spectra):
        raise NotImplementedError

    def _fit_sample(self, data):
        raise NotImplementedError

    def _encode(self, data):
        raise NotImplementedError


def stat_names(prefix, stats):
    """``[f"{prefix}_{s}" for s in stats]``: the naming pattern of every group."""
    return [f"{prefix}_{s}" for s in stats]


def stat_descriptions(series, stats):
    """The definitions matching :func:`stat_names`: ``"{series}, {how the stat is taken}"``."""
    return [f"{series}, {MOMENT_DESCRIPTIONS[s]}" for s in stats]
