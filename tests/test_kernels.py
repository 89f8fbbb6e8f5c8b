"""Numba kernels against numpy/scipy references."""

import ast
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from naive import naive_median_filter, scipy_median_filter
from naive import rolling_moments as naive_rolling_moments

import musicfeat.kernels as kernels
from musicfeat.kernels import median_filter_axis, rolling_moments, windowed_moment_means
from musicfeat.kernels._cache import _KernelFunctionCache
from musicfeat.kernels._config import JIT_OPTIONS, KERNELS

# ---------------------------------------------------------------- median filter


def _check_median(x, size, axis):
    got = median_filter_axis(x, size, axis=axis)
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, naive_median_filter(x, size, axis))
    # scipy reads uninitialised memory once the kernel reaches 8x the axis
    # (mode='reflect'); below that it is the reference of librosa's HPSS.
    if size < 8 * x.shape[axis]:
        np.testing.assert_array_equal(got, scipy_median_filter(x, size, axis))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 31, 40, 101])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_median_equals_scipy_with_ties(size, axis, dtype, rng):
    x = rng.integers(0, 4, size=(23, 37)).astype(dtype)  # many ties
    _check_median(x, size, axis)


@pytest.mark.parametrize("axis", [0, 1])
def test_median_constant_runs_tiny_and_huge_values(axis, rng):
    x = rng.random((40, 60)).astype(np.float32)
    x[:, 10:30] = 0.5
    x[5:25, :] = 0.0
    x[::7, ::5] = 1e-38  # subnormal-adjacent
    x[::11, ::3] = 3e38
    x[1, 1] = np.inf
    x[4, ::3] = -np.inf  # the nearest value below a median can be -inf
    x[6:9, 40] = np.inf  # ... and the nearest above +inf, several copies
    x[2, 2] = -0.0
    x[3, ::2] = -7.0
    for size in (1, 3, 31, 61):
        _check_median(x, size, axis)


@pytest.mark.parametrize("order", ["C", "F", "strided"])
@pytest.mark.parametrize("axis", [0, 1])
def test_median_in_every_memory_layout_keeps_it(order, axis, rng):
    # 1037 lanes: more than one block of 512, the last one partial; a Fortran array
    # filtered along its first axis (and a C one along its second) goes through
    # tiles of lanes, without whole transposing copies. Short lines keep the
    # NUMBA_DISABLE_JIT run quick.
    shape = (40, 1037) if axis == 0 else (1037, 40)
    base = rng.integers(0, 50, size=(2 * shape[0], shape[1])).astype(np.float32)
    x = base[::2] if order == "strided" else np.asarray(base[: shape[0]], order=order)
    expected = naive_median_filter(np.ascontiguousarray(x), 31, axis)
    got = median_filter_axis(x, 31, axis=axis)
    np.testing.assert_array_equal(got, expected)
    assert got.flags.f_contiguous if order == "F" else got.flags.c_contiguous


def test_median_kernel_longer_than_axis():
    x = np.array([[3.0, 1.0, 2.0]])
    for size in (5, 7, 31, 100):
        np.testing.assert_array_equal(median_filter_axis(x, size, axis=1), naive_median_filter(x, size, 1))


def test_median_on_real_spectrogram_equals_scipy(example):
    import librosa

    S = np.abs(librosa.stft(example("choice", duration=8)))
    for axis in (0, 1):
        np.testing.assert_array_equal(median_filter_axis(S, 31, axis=axis), scipy_median_filter(S, 31, axis))


@settings(max_examples=60, deadline=None)
@given(
    x=arrays(
        np.float64,
        st.tuples(st.integers(1, 9), st.integers(1, 40)),
        elements=st.floats(-1e300, 1e300, allow_nan=False, width=64),
    ),
    size=st.integers(1, 45),
    axis=st.sampled_from([0, 1]),
)
def test_median_property(x, size, axis):
    np.testing.assert_array_equal(median_filter_axis(x, size, axis=axis), naive_median_filter(x, size, axis))


def test_median_rejects_nan_and_bad_shapes():
    with pytest.raises(ValueError, match="NaN"):
        median_filter_axis(np.array([[1.0, np.nan]]), 3)
    with pytest.raises(ValueError, match="2-D"):
        median_filter_axis(np.ones(5), 3)
    with pytest.raises(ValueError, match="positive"):
        median_filter_axis(np.ones((2, 2)), 0)


# ---------------------------------------------------------------- rolling moments


@pytest.mark.parametrize("width", [1, 2, 3, 22, 43, 129, 215])
def test_rolling_moments_match_scipy(width, rng):
    x = rng.standard_normal(1000) ** 3  # skewed, heavy-tailed
    for got, ref in zip(rolling_moments(x, width), naive_rolling_moments(x, width), strict=True):
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)


def test_rolling_moments_stable_for_large_mean_tiny_variance(rng):
    # Naive power sums lose every digit here: mean 1e8, spread 1e-3.
    x = 1e8 + 1e-3 * rng.standard_normal(2000)
    std, skew, kurt = rolling_moments(x, 100)
    # Reference in exact arithmetic relative to the offset.
    d = x - 1e8
    ref_std, ref_skew, ref_kurt = naive_rolling_moments(d, 100)
    np.testing.assert_allclose(std, ref_std, rtol=1e-6)
    np.testing.assert_allclose(skew, ref_skew, atol=1e-4)
    np.testing.assert_allclose(kurt, ref_kurt, atol=1e-4)


def test_rolling_moments_with_drift_and_constant_runs(rng):
    x = np.concatenate(
        [np.full(300, 4.2), np.linspace(0, 1e4, 500) + rng.standard_normal(500), np.zeros(200)]
    )
    for got, ref in zip(rolling_moments(x, 43), naive_rolling_moments(x, 43), strict=True):
        np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-9)
    std, skew, kurt = rolling_moments(np.full(50, 4.2), 10)
    assert np.all(std == 0) and np.all(skew == 0) and np.all(kurt == 0)


def test_rolling_moments_series_shorter_than_window():
    x = np.array([1.0, 2.0, 4.0])
    std, skew, kurt = rolling_moments(x, 10)
    assert std.shape == (1,)
    ref = naive_rolling_moments(x, 3)
    np.testing.assert_allclose([std[0], skew[0], kurt[0]], [r[0] for r in ref])


@settings(max_examples=50, deadline=None)
@given(
    x=arrays(np.float64, st.integers(1, 120), elements=st.floats(-1e6, 1e6, allow_nan=False)),
    width=st.integers(1, 130),
)
def test_windowed_means_property(x, width):
    got = windowed_moment_means(x, width)
    ref = [r.mean() for r in naive_rolling_moments(x, width)]
    assert np.isfinite(got).all()
    # The degenerate test (variance <= (eps*mean)^2) may flip on the last ulp;
    # compare only where scipy's verdict is clear.
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-7, atol=1e-9 * (1 + np.abs(x).max()))


def test_rolling_moments_validation():
    with pytest.raises(ValueError, match="finite"):
        rolling_moments(np.array([1.0, np.inf]), 2)
    with pytest.raises(ValueError, match="1-D"):
        rolling_moments(np.ones((2, 2)), 2)
    with pytest.raises(ValueError, match="at least one"):
        rolling_moments(np.ones(0), 2)


# ---------------------------------------------------------------- compilation


def test_every_kernel_uses_the_shared_jit_options():
    """No kernel hard-codes its own numba flags or cache (stumpy's habit): all go through `kernel`."""
    for path in Path(kernels.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"njit", "jit"}:
                assert path.name == "_config.py" and [kw.arg for kw in node.keywords] == [None], (
                    f"{path.name}: declare kernels with @kernel, not {node.func.id}"
                )
            if isinstance(node, ast.FunctionDef) and node.name.startswith("_") and path.name != "_config.py":
                names = [ast.unparse(d) for d in node.decorator_list]
                assert not any("jit" in n for n in names), f"{path.name}: {node.name} uses {names}"
    assert "cache" not in JIT_OPTIONS  # the cache is set up by `kernel`, never beside the sources
    assert len(KERNELS) >= 4
    if not numba.config.DISABLE_JIT:  # without the JIT a kernel is a plain function: nothing to cache
        assert all(isinstance(k._cache, _KernelFunctionCache) for k in KERNELS)


def test_variance_whose_square_underflows_is_degenerate():
    std, skew, kurt = rolling_moments(np.array([6.42266687e-120, 0.0]), 2)
    assert np.isfinite([std[0], skew[0], kurt[0]]).all() and skew[0] == 0 and kurt[0] == 0


# ---------------------------------------------------------------- HPSS masks


@pytest.mark.parametrize("margin", [1.0, 2.5])
@pytest.mark.parametrize("power", [2.0, 1.0])
def test_hpss_masks_equal_librosa_softmask(margin, power, rng):
    import librosa

    from musicfeat.kernels import apply_hpss_masks

    S = rng.random((40, 30)).astype(np.float32)
    harm = rng.random((40, 30)).astype(np.float32)
    perc = rng.random((40, 30)).astype(np.float32)
    harm[:5] = 0.0
    perc[:5] = 0.0  # both zero: the split (or zero) rule
    H, P = apply_hpss_masks(S, harm, perc, power=power, margin=margin)
    split = margin == 1.0
    H_ref = S * librosa.util.softmask(harm, perc * margin, power=power, split_zeros=split)
    P_ref = S * librosa.util.softmask(perc, harm * margin, power=power, split_zeros=split)
    if power == 2.0:
        np.testing.assert_array_equal(H, H_ref)
        np.testing.assert_array_equal(P, P_ref)
    else:
        np.testing.assert_allclose(H, H_ref, rtol=1e-6)
        np.testing.assert_allclose(P, P_ref, rtol=1e-6)


# ---------------------------------------------------------------- peak picking (tuning)

# librosa.core.pitch builds a numba guvectorize at import, which fails without the JIT.
needs_piptrack = pytest.mark.skipif(numba.config.DISABLE_JIT, reason="librosa.piptrack needs numba's JIT")


@needs_piptrack
@pytest.mark.parametrize("key", ["nutcracker", "choice", "libri3", "trumpet"])
def test_peak_picking_equals_librosa_piptrack(key, example):
    import librosa

    from musicfeat.frontend import Spectra
    from musicfeat.kernels import pick_spectral_peaks

    H = Spectra(example(key, 20)).H
    pitch, mag = pick_spectral_peaks(H, 22050, 2048)
    ref_pitch, ref_mag = librosa.piptrack(S=np.square(H), sr=22050, n_fft=2048)
    np.testing.assert_array_equal(pitch, ref_pitch)
    np.testing.assert_array_equal(mag, ref_mag)


@needs_piptrack
def test_peak_picking_on_random_and_flat_spectra(rng):
    import librosa

    from musicfeat.kernels import pick_spectral_peaks

    for X in (
        rng.random((513, 40)).astype(np.float32),
        np.zeros((513, 3), np.float32),
        np.ones((513, 3), np.float32),
    ):
        pitch, mag = pick_spectral_peaks(X, 16000, 1024, fmin=50, fmax=8000, threshold=0.2)
        ref_pitch, ref_mag = librosa.piptrack(
            S=np.square(X), sr=16000, n_fft=1024, fmin=50, fmax=8000, threshold=0.2
        )
        np.testing.assert_array_equal(pitch, ref_pitch)
        np.testing.assert_array_equal(mag, ref_mag)
