"""Block-level patterns of log-mel frames (Seyerlehner, Widmer and Pohle 2010): a summary group outside the feature sets.

The room of one feature group: the six patterns of
:data:`musicfeat.summaries.SEYERLEHNER_2010`, each a
:class:`musicfeat.summaries.BlockPatterns` fed the clip's frames in order,
at the sizes ``benchmarks/candidates.py`` measured (40 mel bands, 12
modulation bands, the correlation pattern on bands pooled by pairs, the
contrast pattern on sub-bands of 4 bands).
"""

import functools

import numpy as np

from .. import _validation as v
from ..frontend import FrontEndConfig
from ..summaries import SEYERLEHNER_2010, BlockPatterns, contrast_pattern, fluctuation_pattern
from ._base import DEFAULT_MAX_DURATION, ClipTransformer
from ._frames import MelBandsParameter
from ._logmel import log_mel_frames
from .spectral_covariance import check_n_mels

__all__ = ["BlockLevelPatterns", "PATTERNS", "LFP_BANDS", "pool_pairs"]

#: The six patterns, in output order.
PATTERNS = tuple(entry[0] for entry in SEYERLEHNER_2010)
#: Modulation bands of the fluctuation pattern (0.5 to 10 Hz, geometric).
LFP_BANDS = 12
#: Share of a sub-band's bands in its peak and in its valley (contrast pattern).
SCP_ALPHA = 0.25
#: Mel bands per sub-band of the contrast pattern.
SCP_BANDS_PER_SUBBAND = 4

_SPEC = {entry[0]: entry[1:] for entry in SEYERLEHNER_2010}
_LONG = {
    "sp": "spectral pattern (each band sorted over a block)",
    "dsp": "delta spectral pattern (each band's onsets sorted over a block)",
    "vdsp": "variance delta spectral pattern",
    "lfp": "logarithmic fluctuation pattern",
    "cp": "correlation pattern (bands pooled by pairs)",
    "scp": "spectral contrast pattern",
}


def pool_pairs(X):
    """Rows averaged by pairs, ``(ceil(bands / 2), frames)``: the bands of the correlation pattern.

    Row ``i`` is ``0.5 * (X[2i] + X[2i + 1])``; an odd last row stays alone.

    Examples
    --------
    >>> import numpy as np
    >>> pool_pairs(np.arange(5.0)[:, None]).ravel().tolist()
    [0.5, 2.5, 4.0]
    """
    half = X.shape[0] // 2
    pooled = 0.5 * (X[0 : 2 * half : 2] + X[1 : 2 * half : 2])
    return np.concatenate([pooled, X[2 * half :]]) if X.shape[0] % 2 else pooled


def _layout(n_mels):
    """``{pattern: (names of its values, descriptions)}`` in ravel order, for ``n_mels`` bands."""
    pooled = (n_mels + 1) // 2
    n_sub = max(1, n_mels // SCP_BANDS_PER_SUBBAND)
    sp_len = _SPEC["sp"][1]
    dsp_len = _SPEC["dsp"][1] - 3
    scp_len = _SPEC["scp"][1]
    i, j = np.triu_indices(pooled, k=1)
    return {
        "sp": [f"mel{b}_r{r}" for b in range(n_mels) for r in range(sp_len)],
        "dsp": [f"mel{b}_r{r}" for b in range(n_mels) for r in range(dsp_len)],
        "vdsp": [f"mel{b}_r{r}" for b in range(n_mels) for r in range(dsp_len)],
        "lfp": [f"mel{b}_mod{m}" for b in range(n_mels) for m in range(LFP_BANDS)],
        "cp": [f"pair{a}_pair{b}" for a, b in zip(i, j, strict=True)],
        "scp": [f"sub{s}_r{r}" for s in range(n_sub) for r in range(scp_len)],
    }


def _describe(pattern, label, n_mels):
    q = _SPEC[pattern][4]
    over = "variance over blocks" if pattern == "vdsp" else f"{q:g}th percentile over blocks"
    block, hop = _SPEC[pattern][1:3]
    where = f"blocks of {block} frames every {hop}"
    if pattern in ("sp", "dsp", "vdsp"):
        band, rank = label.split("_")
        what = f"rank {rank[1:]} (ascending) of mel band {band[3:]} of {n_mels}"
    elif pattern == "lfp":
        band, mod = label.split("_")
        what = f"modulation band {mod[3:]} of {LFP_BANDS} (0.5-10 Hz) of mel band {band[3:]} of {n_mels}"
    elif pattern == "cp":
        a, b = label.split("_")
        what = f"correlation of pooled bands {a[4:]} and {b[4:]} (mel bands 2i, 2i+1)"
    else:
        sub, rank = label.split("_")
        what = f"rank {rank[1:]} (ascending) of the contrast of sub-band {sub[3:]}"
    return f"{_LONG[pattern]}: {what}, log-mel dB, {where}, {over}"


class BlockLevelPatterns(MelBandsParameter, ClipTransformer):
    r"""Six block-level patterns of the log-mel spectrum (Seyerlehner, Widmer and Pohle 2010).

    The frames are :math:`X_{b,t} = 10 \log_{10} \max((M S^2)_{b,t}, 10^{-10})`,
    the power of ``S`` in ``n_mels`` Slaney mel bands in decibels (float64).
    The clip is cut into blocks of :math:`L` frames every :math:`h` frames
    (block :math:`j` is frames :math:`[jh, jh + L)`); each block gives a
    pattern, and each value of the pattern is summarised over the blocks by
    a percentile (linear interpolation) or the variance [1]_
    (:data:`musicfeat.summaries.SEYERLEHNER_2010`):

    ====  ====  ===  ==========  ===============================================================
    name  L     h    summary     pattern of a block, per band :math:`b`
    ====  ====  ===  ==========  ===============================================================
    sp    10    5    90th pct.   :math:`\operatorname{sort}_t X_{b,t}` (timbre without timing)
    dsp   13    5    90th pct.   :math:`\operatorname{sort}_t \max(X_{b,t+3} - X_{b,t}, 0)` (onsets)
    vdsp  13    5    variance    the same as dsp
    lfp   512   128  60th pct.   :math:`\log(1 + \overline{|\mathrm{DFT}_t|})` of the band over 12
                                 geometric modulation bands, 0.5 to 10 Hz (periodicities)
    cp    256   128  50th pct.   Pearson :math:`r` of every pair of bands pooled by pairs
    scp   40    20   10th pct.   per sub-band of 4 bands, sorted peak minus valley (top and
                                 bottom quarter of its bands)
    ====  ====  ===  ==========  ===============================================================

    ``sp`` has ``10 n_mels`` values, ``dsp`` and ``vdsp`` ``10 n_mels``,
    ``lfp`` ``12 n_mels``, ``cp`` :math:`p(p-1)/2` with
    :math:`p = \lceil n_{mels} / 2 \rceil`, ``scp`` ``40 (n_mels // 4)``:
    2,270 columns at the default 40 bands (the paper's 97-band cent scale
    gives 9,448; these are smaller on purpose). Blocks are in frames (about
    23 ms at the default analysis: lfp's block is 11.9 s). A clip shorter
    than a pattern's block is repeated cyclically to one block, so every clip
    has every pattern; silence gives constant frames (0 for dsp, vdsp, lfp,
    cp and scp).

    Streaming: each pattern keeps the frames its next block still needs and
    one pattern per finished block (a percentile needs them all): about
    ``6.6 n_mels`` floats per frame of the clip, 5.5 MB per audio-minute at
    40 bands. Both engines compute every block from the
    same frames: ``engine='stream'`` gives the whole clip's values bit for
    bit.

    Not in a feature set: on the development corpus it did not improve on
    the 419 or on ``extended`` (``benchmarks/README.md``, results of
    2026-12-06).

    Feature names, in column order (patterns in the order above, whatever
    the order of ``patterns``): ``blocks_sp_mel{b}_r{r}``,
    ``blocks_dsp_mel{b}_r{r}``, ``blocks_vdsp_mel{b}_r{r}`` (band ``b``,
    rank ``r`` in ascending order), ``blocks_lfp_mel{b}_mod{m}``,
    ``blocks_cp_pair{i}_pair{j}`` (pooled bands, ``i < j``),
    ``blocks_scp_sub{s}_r{r}``.

    Parameters
    ----------
    n_mels : int, default=40
        Mel bands, 4 to 256 (``n_fft`` must give each an STFT bin).
    patterns : tuple of str, default=("sp", "dsp", "vdsp", "lfp", "cp", "scp")
        Which patterns, a non-empty selection of the six.
    sr, n_fft, hop_length, kernel_size, hpss_power, hpss_margin, on_error, max_duration, engine
        As in :class:`HPSSFeatures`.

    See Also
    --------
    musicfeat.summaries.BlockPatterns : the accumulator and the patterns' maths.

    References
    ----------
    .. [1] K. Seyerlehner, G. Widmer and T. Pohle, "Fusing block-level
       features for music similarity estimation", DAFx 2010; K. Seyerlehner,
       M. Schedl, T. Pohle and P. Knees, "Using block-level features for
       genre classification, tag classification and music similarity
       estimation", MIREX 2010.
    .. [2] D.-N. Jiang, L. Lu, H.-J. Zhang, J.-H. Tao and L.-H. Cai, "Music
       type classification by spectral contrast feature", ICME 2002.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat import BlockLevelPatterns
    >>> noise = (0.1 * np.random.default_rng(0).standard_normal(12 * 22050)).astype(np.float32)
    >>> BlockLevelPatterns().fit_transform([noise]).shape  # 12 s: one block of lfp (512 frames)
    (1, 2270)
    >>> group = BlockLevelPatterns(n_mels=8, patterns=("scp", "sp"))
    >>> group.fit_transform([noise[:22050]]).shape
    (1, 160)
    >>> [str(n) for n in group.get_feature_names_out()[[0, -1]]]
    ['blocks_sp_mel0_r0', 'blocks_scp_sub1_r39']
    """

    def __init__(
        self,
        *,
        n_mels=40,
        patterns=PATTERNS,
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
        self.n_mels = n_mels
        self.patterns = patterns

    def _check_group_params(self, owner=None):
        owner = self if owner is None else owner

        def one(name):
            if name not in PATTERNS:
                raise ValueError(name)
            return name

        chosen = v.check_tuple_of(owner, "patterns", self.patterns, one, f"names among {PATTERNS}")
        return {
            "n_mels": check_n_mels(owner, self.n_mels, minimum=4),
            "patterns": tuple(p for p in PATTERNS if p in chosen),
        }

    def _degeneracies(self, config, seconds):
        p = self._check_group_params()
        if not seconds.size:
            return []
        frames = 1 + int(round(seconds.max() * config.sr)) // config.hop_length
        short = [name for name in p["patterns"] if _SPEC[name][1] > frames]
        if not short:
            return []
        return [
            f"the block-level patterns {', '.join(short)} have blocks longer than every clip, whose frames "
            "are repeated cyclically to one block"
        ]

    def feature_names(self):
        p = self._check_group_params()
        layout = _layout(p["n_mels"])
        return [f"blocks_{name}_{label}" for name in p["patterns"] for label in layout[name]]

    def feature_descriptions(self):
        p = self._check_group_params()
        layout = _layout(p["n_mels"])
        return [_describe(name, label, p["n_mels"]) for name in p["patterns"] for label in layout[name]]

    def accumulator(self, config):
        p = self._check_group_params()
        return _BlockAccumulator(config, p["n_mels"], p["patterns"])


class _BlockAccumulator:
    """One :class:`~musicfeat.summaries.BlockPatterns` per pattern, fed each block's log-mel frames in order."""

    def __init__(self, config, n_mels, patterns):
        self.n_mels = n_mels
        self.parts = []
        for name in patterns:
            pattern, block, hop, summary, q = _SPEC[name]
            if name == "lfp":
                pattern = functools.partial(
                    fluctuation_pattern, frame_rate=config.sr / config.hop_length, n_bins=LFP_BANDS
                )
            elif name == "scp":
                pattern = functools.partial(
                    contrast_pattern, n_subbands=max(1, n_mels // SCP_BANDS_PER_SUBBAND), alpha=SCP_ALPHA
                )
            acc = BlockPatterns(pattern, block, hop, summary, 50.0 if q is None else q)
            self.parts.append((name == "cp", acc))

    def add(self, block):
        X = log_mel_frames(block, self.n_mels)
        for pooled, acc in self.parts:
            acc.add(pool_pairs(X) if pooled else X)

    def finish(self):
        return np.concatenate([acc.finish() for _, acc in self.parts])
