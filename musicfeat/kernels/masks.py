"""Soft-mask HPSS outputs in one pass.

``librosa.decompose.hpss`` builds two soft masks with ``librosa.util.softmask``
(six temporaries and boolean indexing) and multiplies them into ``S``. This
kernel does the same float operations, in the same order and precision, for
each bin once: the results equal librosa's bit for bit for ``power=2``.

In the kernels room: numba only, importing nothing else of the package.
"""

import numpy as np

from ._config import kernel


@kernel
def _soft_mask_square(x, x_ref, zero_value, tiny):
    # power 2 (the default): branch-free so the loop vectorises. Where z is
    # below tiny, librosa computes with z = 1 and then overwrites the mask:
    # so do we, selecting the zero value afterwards.
    z = max(x, x_ref)
    bad = z < tiny
    z = np.float32(1.0) if bad else z
    a = x / z
    b = x_ref / z
    mask = a * a  # numpy's power special-cases 2 as a square
    mask = mask / (mask + b * b)
    return zero_value if bad else mask


@kernel(optional=True)
def _soft_mask_power(x, x_ref, power, zero_value, tiny):
    z = max(x, x_ref)
    if z < tiny:
        return zero_value
    mask = (x / z) ** power
    return mask / (mask + (x_ref / z) ** power)


# The kernels work in place: H and P arrive holding the time- and
# frequency-filtered spectrograms and leave holding the masked parts. Reading
# and writing the same array at the same index lets LLVM vectorise; separate
# output arrays that alias the inputs would defeat its runtime alias check.


@kernel
def _masks_square_inplace(S, H, P, margin, zero_value, tiny):
    for k in range(S.shape[0]):
        s, h, p = S[k], H[k], P[k]
        H[k] = s * _soft_mask_square(h, p * margin, zero_value, tiny)
        P[k] = s * _soft_mask_square(p, h * margin, zero_value, tiny)


@kernel(optional=True)
def _masks_power_inplace(S, H, P, power, margin, zero_value, tiny):
    for k in range(S.shape[0]):
        s, h, p = S[k], H[k], P[k]
        H[k] = s * _soft_mask_power(h, p * margin, power, zero_value, tiny)
        P[k] = s * _soft_mask_power(p, h * margin, power, zero_value, tiny)


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
        H, P = arrays[1].copy(order=order), arrays[2].copy(order=order)
    else:
        H, P = out
        for buf in out:
            if buf.shape != arrays[0].shape or buf.dtype != dtype or not buf.flags[f"{order}_CONTIGUOUS"]:
                raise ValueError(
                    f"out buffers must be {order}-contiguous {dtype} arrays of shape {arrays[0].shape}."
                )
        for buf, source in ((H, arrays[1]), (P, arrays[2])):
            if buf is not source:
                np.copyto(buf, source)
    S_, H_, P_ = (a.ravel(order="K") for a in (arrays[0], H, P))
    typed = dtype.type
    constants = typed(margin), typed(0.5 if margin == 1 else 0.0), typed(np.finfo(dtype).tiny)
    # Compiled, the kernels divide as numpy's error model says, silently (0/0
    # where both are zero is overwritten); run as Python (NUMBA_DISABLE_JIT)
    # numpy scalars would warn about the same division.
    with np.errstate(divide="ignore", invalid="ignore"):
        if power == 2.0:
            _masks_square_inplace(S_, H_, P_, *constants)
        else:
            _masks_power_inplace(S_, H_, P_, typed(power), *constants)
    return H, P
