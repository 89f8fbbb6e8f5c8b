"""A learnt summary: VLAD encoding of the per-frame MFCC of H and P (feature set ``'extended'``).

The room of the one group that learns from training clips. A clip's data
is its frames of sound (the per-frame MFCC of H and P that
:class:`~musicfeat.HPMFCCFeatures` summarises, read from the same blocks):
``fit_clips`` pools up to ``vlad_frames`` of each training clip's, and
``encode`` gives a clip's row with the fitted codebook, so an extractor
reads each clip once for ``fit`` and ``transform``. :func:`vlad_encode` is
the encoding itself, on plain arrays.
"""

import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .. import _validation as v
from ..frontend import FrontEndConfig
from ..streaming import FrameSeries
from ._base import DEFAULT_MAX_DURATION, ClipTransformer
from ._frames import MFCCParameter
from .hp_mfcc import PARTS, block_hp_mfcc

__all__ = ["HPMFCCVLAD", "evenly_spaced", "vlad_encode"]

#: Most codewords accepted: beyond it the encoding is longer than any clip's frames can fill.
MAX_CLUSTERS = 1024
#: k-means restarts (k-means++ seeding each): the best of a few, for a codebook
#: that depends little on the seed, at a cost that is small beside the analysis.
N_INIT = 4


def evenly_spaced(n, count):
    """``min(n, count)`` distinct indices spread evenly over ``range(n)``, first and last included.

    Examples
    --------
    >>> from musicfeat.groups.hp_mfcc_vlad import evenly_spaced
    >>> evenly_spaced(10, 4).tolist(), evenly_spaced(3, 5).tolist()
    ([0, 3, 6, 9], [0, 1, 2])
    """
    if n <= count:
        return np.arange(n)
    return np.round(np.linspace(0, n - 1, num=count)).astype(np.intp)


def vlad_encode(Z, codebook):
    """VLAD of frames: residual sums per nearest codeword, signed square root, L2 norm.

    Parameters
    ----------
    Z : np.ndarray [shape=(m, d)]
        Frames (standardised), ``m >= 0``.
    codebook : np.ndarray [shape=(k, d)]

    Returns
    -------
    np.ndarray [shape=(k * d,), dtype=float64]
        ``v_j = sum over frames nearest to c_j of (z - c_j)``, then
        ``sign(v) sqrt(|v|)``, then divided by its Euclidean norm; zeros
        when there are no frames or every residual is 0.

    References
    ----------
    .. [1] H. Jegou, M. Douze, C. Schmid and P. Perez, "Aggregating local
       descriptors into a compact image representation", Proc. CVPR, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.groups.hp_mfcc_vlad import vlad_encode
    >>> codebook = np.array([[0.0, 0.0], [10.0, 10.0]])
    >>> vlad_encode(np.array([[1.0, 0.0], [11.0, 10.0]]), codebook).round(3)
    array([0.707, 0.   , 0.707, 0.   ])
    """
    k, d = codebook.shape
    if Z.shape[0] == 0:
        return np.zeros(k * d)
    Z = np.asarray(Z, dtype=np.float64)
    distances = (
        np.einsum("ij,ij->i", Z, Z)[:, None]
        - 2.0 * Z @ codebook.T
        + np.einsum("ij,ij->i", codebook, codebook)
    )
    nearest = np.argmin(distances, axis=1)
    sums = np.zeros((k, d))
    np.add.at(sums, nearest, Z)
    residuals = sums - np.bincount(nearest, minlength=k)[:, None] * codebook
    encoded = np.sign(residuals) * np.sqrt(np.abs(residuals))
    norm = np.linalg.norm(encoded)
    return (encoded / norm if norm > 0 else encoded).ravel()


class HPMFCCVLAD(MFCCParameter, ClipTransformer):
    """VLAD encoding of the frames of MFCC of H and P against a learnt codebook (``2 * vlad_clusters * n_mfcc``).

    Each frame is the ``2 * n_mfcc`` coefficients of :class:`HPMFCCFeatures`
    (MFCC of the harmonic part, then of the percussive part); frames of
    digital silence are left out. ``fit`` learns from the training clips:
    up to ``vlad_frames`` evenly spaced frames of each clip are pooled,
    standardised (mean and std of each coefficient, ``mean_`` and
    ``scale_``), and clustered by k-means into ``vlad_clusters`` codewords
    (``codebook_``, scikit-learn's :class:`~sklearn.cluster.KMeans`,
    k-means++ seeding, best of 4 runs, ``random_state``). ``transform``
    standardises every frame of a clip the same way, sums each frame's
    residual to its nearest codeword (``vlad_clusters`` vectors), takes the
    signed square root of each value and divides the whole by its Euclidean
    norm (VLAD with power and L2 normalisation, Jegou et al. 2010). The
    encoding says how a clip's timbres sit around the timbres typical of the
    training clips, which mean/std statistics blur together. A clip with no
    frame of sound gives zeros.

    Learning from the training clips keeps cross-validation honest when the
    extractor is inside the pipeline: each fold learns its own codebook.

    Parameters
    ----------
    n_mfcc : int, default=20
        Coefficients per part, as in :class:`HPMFCCFeatures`.
    vlad_clusters : int, default=16
        Codewords, from 1 to 1024; ``fit`` refuses more than the training
        clips have frames of sound.
    vlad_frames : int, default=500
        Most frames of each training clip that ``fit`` pools (evenly spaced
        over the clip's frames of sound): bounds the cost of k-means and
        weighs long and short clips alike.
    random_state : int, RandomState instance or None, default=0
        Seed of the k-means; an int gives the same codebook on every run.
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration
        As in :class:`HPSSFeatures`.

    Attributes
    ----------
    mean_, scale_ : np.ndarray [shape=(2 * n_mfcc,)]
        Standardisation of the frames (a constant coefficient has scale 1).
    codebook_ : np.ndarray [shape=(vlad_clusters, 2 * n_mfcc)]
        The codewords, in standardised units.
    n_training_frames_ : int
        Frames pooled by ``fit``.
    n_features_out_ : int

    See Also
    --------
    HPMFCCFeatures : statistics of the same frames.

    References
    ----------
    .. [1] H. Jegou, M. Douze, C. Schmid and P. Perez, "Aggregating local
       descriptors into a compact image representation", Proc. CVPR, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import HPMFCCVLAD
    >>> rng = np.random.default_rng(0)
    >>> clips = [(0.1 * rng.standard_normal(22050)).astype(np.float32) for _ in range(2)]
    >>> vlad = HPMFCCVLAD(vlad_clusters=4).fit(clips)
    >>> vlad.codebook_.shape
    (4, 40)
    >>> X = vlad.transform(clips)
    >>> X.shape, bool(np.allclose(np.linalg.norm(X, axis=1), 1.0))
    ((2, 160), True)
    """

    learns = True

    def __init__(
        self,
        *,
        n_mfcc=20,
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
        )
        self.n_mfcc = n_mfcc
        self.vlad_clusters = vlad_clusters
        self.vlad_frames = vlad_frames
        self.random_state = random_state

    # ------------------------------------------------------------------
    # parameters and names

    def _check_group_params(self, owner=None):
        owner = self if owner is None else owner
        random_state = self.random_state
        if not (random_state is None or isinstance(random_state, np.random.RandomState)):
            try:
                random_state = v.check_int(owner, "random_state", random_state, minimum=0, maximum=2**32 - 1)
            except ValueError:
                raise v.fail(
                    owner,
                    "random_state",
                    "an int in the range [0, 4294967295], a RandomState or None",
                    random_state,
                ) from None
        return {
            **super()._check_group_params(owner),
            "vlad_clusters": v.check_int(
                owner, "vlad_clusters", self.vlad_clusters, minimum=1, maximum=MAX_CLUSTERS
            ),
            "vlad_frames": v.check_int(owner, "vlad_frames", self.vlad_frames, minimum=1),
            "random_state": random_state,
        }

    def feature_names(self):
        p = self._check_group_params()
        return [
            f"vlad{j}_{part}_mfcc{i}"
            for j in range(p["vlad_clusters"])
            for part in PARTS
            for i in range(p["n_mfcc"])
        ]

    def feature_descriptions(self):
        p = self._check_group_params()
        return [
            f"VLAD of the frames of MFCC of H and P (standardised), codeword {j}: residual sum of "
            f"{part} MFCC {i}, signed square root, over the L2 norm of the encoding"
            for j in range(p["vlad_clusters"])
            for part in PARTS
            for i in range(p["n_mfcc"])
        ]

    # ------------------------------------------------------------------
    # the group protocol: a clip's data is its frames of sound

    def accumulator(self, config):
        """The clip's frames of sound, ``(m, 2 * n_mfcc)`` float32: all that fit and transform read."""
        n_mfcc = self._check_group_params()["n_mfcc"]

        def sound(block):  # frames on the last axis, as FrameSeries joins them
            frames, silent = block_hp_mfcc(block, n_mfcc)
            return frames[:, ~silent].astype(np.float32)

        return FrameSeries(sound, lambda frames: np.ascontiguousarray(frames.T))

    def encode(self, data):
        """One clip's row from its frames of sound, with the fitted codebook."""
        check_is_fitted(self, "codebook_")
        return vlad_encode((data - self.mean_) / self.scale_, self.codebook_)

    def fit_sample(self, data):
        """What ``fit`` pools of one clip: up to ``vlad_frames`` of its frames of sound, evenly spaced."""
        return data[evenly_spaced(data.shape[0], self._check_group_params()["vlad_frames"])]

    def fitted_state(self):
        """What :meth:`fit_clips` learns, as ``load_fitted`` checks it before reading a file.

        ``{attribute: (kind, shape)}`` or a dict with ``minimum`` and
        ``positive`` too (:class:`musicfeat.fitted_state.StateArray`).
        """
        p = self._check_group_params()
        width = 2 * p["n_mfcc"]  # MFCC of H, then of P, per frame
        return {
            "mean_": ("float", (width,)),
            "scale_": {"kind": "float", "shape": (width,), "minimum": 0.0, "positive": True},
            "codebook_": ("float", (p["vlad_clusters"], width)),
            "n_training_frames_": {"kind": "int", "shape": (), "minimum": p["vlad_clusters"]},
        }

    def fit_clips(self, datas, owner=None):
        """Learn the standardisation and the codebook from the clips' :meth:`fit_sample`."""
        from sklearn.cluster import KMeans
        from sklearn.exceptions import ConvergenceWarning

        owner = self if owner is None else owner
        p = self._check_group_params(owner)
        k = p["vlad_clusters"]
        samples = datas
        X = (
            np.concatenate([np.asarray(s, dtype=np.float64) for s in samples])
            if samples
            else np.empty((0, 0))
        )
        if X.shape[0] < k:
            raise v.fail(
                owner,
                "vlad_clusters",
                f"an int of at most the training clips' frames of sound ({X.shape[0]} pooled from "
                f"{len(samples)} clips, up to vlad_frames={p['vlad_frames']} each): k-means needs a "
                "frame per codeword",
                owner.vlad_clusters,
            )
        mean, scale = X.mean(axis=0), X.std(axis=0)
        scale[scale == 0] = 1.0  # a constant coefficient: centred, not scaled
        with warnings.catch_warnings():
            # Fewer distinct frames than codewords (a steady tone) gives duplicate
            # codewords: the encoding stays defined, so no warning for it.
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            kmeans = KMeans(n_clusters=k, n_init=N_INIT, random_state=p["random_state"])
            kmeans.fit((X - mean) / scale)
        self.mean_, self.scale_ = mean, scale
        self.codebook_ = kmeans.cluster_centers_.astype(np.float64)
        self.n_training_frames_ = int(X.shape[0])
