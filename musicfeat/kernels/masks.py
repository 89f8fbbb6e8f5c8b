"""Soft-mask HPSS outputs in one pass.

``librosa.decompose.hpss`` builds two soft masks with ``librosa.util.softmask``
(six temporaries and boolean indexing) and multiplies them into ``S``. This
kernel does the same float operations, in the same order and precision, for
each bin once: the results equal librosa's bit for bit for ``power=2``.
"""

import numpy as np
from numba import njit

from ._config import JIT_OPTIONS


@njit(**JIT_OPTIONS)
def _ratio_power(a, z, power):
    r = a / z
    # numpy's power special-cases 2 as a square; match it exactly.
    return r * r if power == 2.0 else r**power


@njit(**JIT_OPTIONS)
def _soft_mask(x, x_ref, power, zero_value, tiny):
    z = max(x, x_ref)
    if z < tiny:
        return zero_value
    mask = _ratio_power(x, z, power)
    return mask / (mask + _ratio_power(x_ref, z, power))


@njit(**JIT_OPTIONS)
def _apply_masks(S, harm, perc, power, margin, zero_value, tiny, H, P):
    for k in range(S.shape[0]):
        s, h, p = S[k], harm[k], perc[k]
        H[k] = s * _soft_mask(h, p * margin, power, zero_value, tiny)
        P[k] = s * _soft_mask(p, h * margin, power, zero_value, tiny)


def apply_hpss_masks(S, harm, perc, power=2.0, margin=1.0, out=None):
    """Harmonic and percussive parts from the median-filtered spectrograms.

    With ``m(x, r) = (x/z)^p / ((x/z)^p + (r/z)^p)``, ``z = max(x, r)``
    (``librosa.util.softmask``), returns
    ``H = S * m(harm, margin * perc)`` and ``P = S * m(perc, margin * harm)``;
    where ``z`` is below the dtype's smallest normal number the mask is 0.5
    if ``margin == 1`` (split evenly) and 0 otherwise, as in librosa.

    Parameters
    ----------
    S, harm, perc : np.ndarray [shape=(d, t)], same dtype
        Magnitude spectrogram and its time- and frequency-median filtered
        versions. Any memory layout.
    power : float > 0
    margin : float >= 1
    out : (np.ndarray, np.ndarray), optional
        Buffers for H and P in S's layout and dtype; may be ``harm`` and
        ``perc`` themselves (each bin is read before it is written), which
        saves two spectrogram-sized allocations.

    Returns
    -------
    H, P : np.ndarray [shape=(d, t)]
        In ``S``'s memory layout.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.kernels import apply_hpss_masks
    >>> S = np.array([[2.0, 0.0]], dtype=np.float32)
    >>> H, P = apply_hpss_masks(S, np.array([[3.0, 0.0]], np.float32), np.array([[1.0, 0.0]], np.float32))
    >>> H, P
    (array([[1.8, 0. ]], dtype=float32), array([[0.2, 0. ]], dtype=float32))
    """
    dtype = np.result_type(S, harm, perc)
    if dtype not in (np.float32, np.float64):
        dtype = np.float64
    order = "F" if S.flags.f_contiguous and not S.flags.c_contiguous else "C"
    arrays = [np.asarray(a, dtype=dtype, order=order) for a in (S, harm, perc)]
    if not arrays[0].shape == arrays[1].shape == arrays[2].shape:
        raise ValueError("S, harm and perc must have the same shape.")
    if out is None:
        H = np.empty_like(arrays[0], order=order)
        P = np.empty_like(arrays[0], order=order)
    else:
        H, P = out
        for buf in out:
            if buf.shape != arrays[0].shape or buf.dtype != dtype or not buf.flags[f"{order}_CONTIGUOUS"]:
                raise ValueError(
                    f"out buffers must be {order}-contiguous {dtype} arrays of shape {arrays[0].shape}."
                )
    flat = [a.ravel(order="K") for a in (*arrays, H, P)]
    zero_value = 0.5 if margin == 1 else 0.0
    tiny = np.finfo(dtype).tiny
    typed = dtype.type
    _apply_masks(
        flat[0],
        flat[1],
        flat[2],
        typed(power),
        typed(margin),
        typed(zero_value),
        typed(tiny),
        flat[3],
        flat[4],
    )
    return H, P
