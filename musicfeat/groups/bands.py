"""Energy in log-spaced frequency bands, of the harmonic and of the percussive part.

The room of one feature group, with its band layout (:func:`band_weights`).
"""

from functools import lru_cache

import numpy as np

from .. import _validation as v
from ..blockwise import project_frames
from ..frontend import FrontEndConfig
from ..stats import MOMENT_DESCRIPTIONS, MOMENT_NAMES, moments_by_row
from ..streaming import FrameSeries
from ._base import DEFAULT_MAX_DURATION, ClipTransformer
from ._frames import above_nyquist, check_below_nyquist

DEFAULT_BAND_COUNTS = (4, 11, 24)


def band_edges(n_bands, sr, fmin=20.0, fmax=10000.0):
    """Band edges ``geomspace(fmin, min(fmax, sr / 2), n_bands + 1)`` in Hz."""
    return np.geomspace(fmin, min(fmax, sr / 2), n_bands + 1)


@lru_cache(maxsize=32)
def band_weights(band_counts, sr, n_fft, fmin=20.0, fmax=10000.0):
    """Averaging matrix from STFT bins to bands, one row per band.

    Band ``i`` of a set of ``B`` holds the bins with ``edge[i] <= f <
    edge[i + 1]`` (the last band also ``f == edge[B]``); a band with no bin
    takes the single bin nearest its geometric centre, so the number of
    bands never depends on ``sr`` or ``n_fft``. Each row averages its bins.

    Returns
    -------
    np.ndarray [shape=(sum(band_counts), 1 + n_fft // 2), dtype=float32]
        Read-only.

    Examples
    --------
    >>> from musicfeat.groups.bands import band_weights
    >>> W = band_weights((4,), 22050, 2048)
    >>> W.shape, [int((row > 0).sum()) for row in W]
    ((4, 1025), [7, 33, 155, 732])
    """
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    rows = []
    for n_bands in band_counts:
        edges = band_edges(n_bands, sr, fmin, fmax)
        for i in range(n_bands):
            lo, hi = edges[i], edges[i + 1]
            inside = (freqs >= lo) & ((freqs < hi) | ((i == n_bands - 1) & (freqs == hi)))
            if not inside.any():
                inside = np.zeros_like(inside)
                inside[np.argmin(np.abs(freqs - np.sqrt(lo * hi)))] = True
            rows.append(inside / inside.sum())
    weights = np.asarray(rows, dtype=np.float32)
    weights.setflags(write=False)
    return weights


class BandEnergy(ClipTransformer):
    """Harmonic and percussive energy in log-spaced frequency bands.

    For each band count ``B`` in ``band_counts``, the range from
    ``band_fmin`` to ``min(band_fmax, sr / 2)`` is cut into ``B`` bands with
    geometrically spaced edges (:func:`band_weights`). Per frame, a band's
    energy is the root mean square of its bins,

    .. math:: E_{i,t} = \\sqrt{\\frac{1}{|K_i|}\\sum_{k \\in K_i} X_{k,t}^2},

    for ``X = H`` and ``X = P``. Features: mean, std, skew and kurtosis over
    frames, named ``band{B}_{i}_{harmonic,percussive}_{stat}`` and ordered by
    ``B``, band, component, statistic: ``8 * sum(band_counts)`` in all
    (312 by default).

    Parameters
    ----------
    band_counts : sequence of int, default=(4, 11, 24)
        Number of bands in each band set.
    band_fmin : float, default=20.0
        Lowest band edge (Hz).
    band_fmax : float, default=10000.0
        Highest band edge (Hz), capped at ``sr / 2``.
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration, engine
        As in :class:`HPSSFeatures`.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import BandEnergy
    >>> bands = BandEnergy(band_counts=(4,))
    >>> len(bands.get_feature_names_out())
    32
    >>> str(bands.get_feature_names_out()[0])
    'band4_0_harmonic_mean'
    """

    def __init__(
        self,
        *,
        band_counts=DEFAULT_BAND_COUNTS,
        band_fmin=20.0,
        band_fmax=10000.0,
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

    def _check_group_params(self, owner=None):
        owner = self if owner is None else owner
        counts = v.check_tuple_of(
            owner,
            "band_counts",
            self.band_counts,
            lambda b: v.check_int(owner, "band_counts", b, minimum=1),
            "positive ints",
        )
        fmin = v.check_real(owner, "band_fmin", self.band_fmin, minimum=0.0, include_minimum=False)
        fmax = v.check_real(owner, "band_fmax", self.band_fmax, minimum=0.0, include_minimum=False)
        if fmax <= fmin:
            raise v.fail(owner, "band_fmax", f"greater than band_fmin={fmin!r}", self.band_fmax)
        return {"band_counts": counts, "band_fmin": fmin, "band_fmax": fmax}

    def _check_analysis(self, config, owner):
        params = self._check_group_params(owner)
        check_below_nyquist(owner, "band_fmin", self.band_fmin, params["band_fmin"], config.sr)
        bins = 1 + config.n_fft // 2
        if max(params["band_counts"]) > bins:
            raise v.fail(
                owner,
                "band_counts",
                f"a sequence of band counts of at most {bins} at n_fft={config.n_fft} (more bands than "
                "STFT bins only repeat bins)",
                self.band_counts,
            )

    def _degeneracies(self, config, seconds):
        return above_nyquist(
            "band_fmax", self._check_group_params()["band_fmax"], config.sr, "the bands stop"
        )

    def feature_names(self):
        counts = self._check_group_params()["band_counts"]
        return [
            f"band{b}_{i}_{part}_{stat}"
            for b in counts
            for i in range(b)
            for part in ("harmonic", "percussive")
            for stat in MOMENT_NAMES
        ]

    def feature_descriptions(self):
        counts, fmin, fmax = self._check_group_params().values()
        described = []
        for b in counts:
            edges = band_edges(b, self.sr, fmin, fmax)
            for i in range(b):
                where = f"band {i} of {b} ({edges[i]:.4g} Hz to {edges[i + 1]:.4g} Hz)"
                described += [
                    f"{where}: {part} energy, {MOMENT_DESCRIPTIONS[stat]}"
                    for part in ("harmonic", "percussive")
                    for stat in MOMENT_NAMES
                ]
        return described

    def accumulator(self, config):
        counts, fmin, fmax = self._check_group_params().values()
        weights = band_weights(counts, config.sr, config.n_fft, fmin, fmax)
        return FrameSeries(
            lambda block: (
                np.sqrt(project_frames(weights, block.H, np.square, np.float32)),
                np.sqrt(project_frames(weights, block.P, np.square, np.float32)),
            ),
            _bands_row,
        )


def _bands_row(harmonic, percussive):
    # One band at a time: the float64 temporaries of the moments stay one
    # series long (the same values as over the whole array).
    harmonic, percussive = moments_by_row(harmonic), moments_by_row(percussive)
    # (band, component, stat) in C order is the documented feature order.
    return np.stack([harmonic, percussive], axis=1).ravel()
