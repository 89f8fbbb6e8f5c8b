"""What every feature group shares: parameters, the per-clip loop, the error policy."""

import os
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from threadpoolctl import threadpool_limits

from .. import _validation as v
from ..exceptions import ExtractionWarning, InvalidAudioError
from ..frontend import FrontEndConfig, Spectra
from ..io import item_error, load_audio

ON_ERROR_OPTIONS = ("raise", "nan")


def as_items(X):
    """Turn X into a list of clips, refusing the common mistakes early."""
    if isinstance(X, (str, bytes, os.PathLike)):
        raise ValueError(
            f"X must be a sequence of clips (paths, waveforms or (waveform, sr) pairs); "
            f"got a single path {os.fsdecode(X)!r}. Wrap it in a list: [path]."
        )
    if isinstance(X, Spectra):
        raise ValueError("X must be a sequence of clips; got a single Spectra. Wrap it in a list.")
    if isinstance(X, np.ndarray):
        if X.ndim == 0:
            raise ValueError("X must be a sequence of clips; got a 0-d array.")
        if X.ndim == 1 and X.dtype != object:
            raise ValueError(
                f"X must be a sequence of clips; got a 1-D numeric array of shape {X.shape}, "
                "which would be read as clips of one sample each. Pass [y] for one waveform."
            )
        return list(X)
    if hasattr(X, "columns"):  # a pandas DataFrame: one column of clips
        if X.shape[1] != 1:
            raise ValueError(f"X as a DataFrame must have one column of clips; got {X.shape[1]} columns.")
        return list(X.iloc[:, 0])
    try:
        return list(X)
    except TypeError:
        raise ValueError(
            f"X must be a sequence of clips (paths, waveforms or (waveform, sr) pairs); "
            f"got {type(X).__name__}."
        ) from None


class ClipTransformer(TransformerMixin, BaseEstimator):
    """Base class of every musicfeat transformer: X is a sequence of clips.

    Subclasses define ``_feature_names()`` (a list of str) and
    ``_features(spectra)`` (a 1-D float array of that length), and list
    their own parameters in ``__init__`` as scikit-learn requires.

    The transformer is stateless: ``fit`` only validates the parameters, and
    ``transform`` works without it.
    """

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
    ):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.kernel_size = kernel_size
        self.hpss_power = hpss_power
        self.hpss_margin = hpss_margin
        self.on_error = on_error

    # ------------------------------------------------------------------
    # parameters

    def _check_params(self):
        """Validate every parameter; return the front-end configuration."""
        config = FrontEndConfig(
            sr=v.check_int(self, "sr", self.sr, minimum=1),
            n_fft=v.check_int(self, "n_fft", self.n_fft, minimum=2),
            hop_length=v.check_int(self, "hop_length", self.hop_length, minimum=1),
            kernel_size=v.check_int(self, "kernel_size", self.kernel_size, minimum=1),
            hpss_power=v.check_real(self, "hpss_power", self.hpss_power, minimum=0.0, include_minimum=False),
            hpss_margin=v.check_real(self, "hpss_margin", self.hpss_margin, minimum=1.0),
        )
        v.check_options(self, "on_error", self.on_error, ON_ERROR_OPTIONS)
        self._check_group_params()
        return config

    def _check_group_params(self):
        """Subclasses validate their own parameters here."""

    # ------------------------------------------------------------------
    # scikit-learn API

    def fit(self, X=None, y=None):
        """Validate the parameters; learn nothing.

        Parameters
        ----------
        X : sequence of clips, optional
            Ignored: feature extraction is stateless.
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        self.n_features_out_ = len(self._feature_names())
        return self

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
        """
        config = self._check_params()
        items = as_items(X)
        out = np.empty((len(items), len(self._feature_names())), dtype=np.float64)
        for index, (row, error) in enumerate(self._try_rows(items, config)):
            out[index] = self._row_or_nan(row, error)
        return out

    def _try_rows(self, items, config):
        """``(row, error)`` for every item, in order; subclasses may compute them in parallel."""
        return (self._try_row(item, index, config) for index, item in enumerate(items))

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
        self._check_group_params()
        return np.asarray(self._feature_names(), dtype=object)

    def __sklearn_is_fitted__(self):
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []
        return tags

    # ------------------------------------------------------------------
    # the per-clip loop

    def _try_row(self, item, index, config):
        """``(row, None)``, or ``(None, error)`` for a clip that failed.

        Errors are returned, not raised, so that worker processes hand them
        back to the parent, which alone applies the ``on_error`` policy.
        """
        try:
            return self._row(item, index, config), None
        except InvalidAudioError as error:
            return None, error

    def _row_or_nan(self, row, error):
        if error is None:
            return row
        if self.on_error == "raise":
            raise error
        warnings.warn(f"{error}; its features are NaN.", ExtractionWarning, stacklevel=4)
        return np.full(len(self._feature_names()), np.nan)

    def _row(self, item, index, config):
        # One BLAS thread per clip: the values then do not depend on the
        # machine's BLAS threading (OpenBLAS rounds differently with other
        # thread counts), and parallel clips do not oversubscribe the cores.
        with threadpool_limits(limits=1, user_api="blas"):
            return self._row_single_threaded(item, index, config)

    def _row_single_threaded(self, item, index, config):
        if isinstance(item, Spectra):
            if item.config != config:
                raise ValueError(
                    f"X[{index}] is a Spectra computed with {item.config}, but "
                    f"{type(self).__name__} has {config}; use the same front-end parameters."
                )
            return self._checked(self._features(item), index, item)
        y = load_audio(item, config.sr, index=index)
        return self._row_from_waveform(y, config, index, item)

    def _row_from_waveform(self, y, config, index, item):
        try:
            row = self._compute_row(y, config)
        except MemoryError:
            raise
        except Exception as error:  # noqa: BLE001 - a failure on one clip must name that clip
            raise item_error(
                index, item, f"feature extraction failed ({type(error).__name__}: {error})"
            ) from error
        return self._checked(row, index, item)

    def _compute_row(self, y, config):
        """One clip's features from its waveform (the unit a cache may store)."""
        return self._features(Spectra(y, config))

    def _checked(self, row, index, item):
        row = np.asarray(row, dtype=np.float64)
        bad = ~np.isfinite(row)
        if bad.any():
            names = [n for n, b in zip(self._feature_names(), bad, strict=True) if b]
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            raise item_error(index, item, f"features came out non-finite: {names[:5]}{more}")
        return row

    # ------------------------------------------------------------------
    # to be defined by each group

    def _feature_names(self):
        raise NotImplementedError

    def _features(self, spectra):
        raise NotImplementedError


def stat_names(prefix, stats):
    """``[f"{prefix}_{s}" for s in stats]``: the naming pattern of every group."""
    return [f"{prefix}_{s}" for s in stats]
