"""musicfeat.summaries against naive references: plain numpy on the whole array, loops where they help."""

import functools

import numpy as np
import pytest

from musicfeat.summaries import (
    SEYERLEHNER_2010,
    BlockPatterns,
    MeanCovariance,
    contrast_pattern,
    correlation_pattern,
    covariance_summary,
    delta_spectral_pattern,
    fluctuation_pattern,
    gaussian_kl,
    spectral_pattern,
)

RNG = np.random.default_rng(20)


def _frames(d=6, t=300, offset=60.0):
    # dB-like frames: a large mean against the spread, where one-pass sums lose precision
    mixing = RNG.normal(size=(d, d))
    return offset + mixing @ RNG.normal(size=(d, t))


def _cuts(t, n):
    return np.sort(RNG.choice(np.arange(1, t), size=n, replace=False))


# ----------------------------------------------------------------------
# mean and covariance


def test_mean_covariance_equals_numpy_whatever_the_cut():
    X = _frames()
    acc = MeanCovariance(6)
    for part in np.split(X, _cuts(X.shape[1], 7), axis=1):
        acc.add(part)
    assert acc.n == X.shape[1]
    np.testing.assert_allclose(acc.mean, X.mean(axis=1), rtol=1e-13)
    np.testing.assert_allclose(acc.covariance(), np.cov(X, bias=True), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(acc.covariance(ddof=1), np.cov(X), rtol=1e-10, atol=1e-12)


def test_merging_accumulators_of_disjoint_frames_equals_one_accumulator():
    X = _frames(t=257)
    parts = np.split(X, [1, 40, 41, 200], axis=1)  # one-frame parts included
    accs = [MeanCovariance(6).add(p) for p in parts]
    merged = MeanCovariance(6)
    for acc in reversed(accs):  # order does not matter
        merged.merge(acc)
    whole = MeanCovariance(6).add(X)
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=1e-13)
    np.testing.assert_allclose(merged.scatter, whole.scatter, rtol=1e-10, atol=1e-9)
    assert merged.n == whole.n


def test_mean_covariance_keeps_precision_where_raw_sums_do_not():
    # variance 1e-4 around a mean of 1e4: the one-pass E[x^2] - E[x]^2 loses every digit
    x = 1e4 + 1e-2 * RNG.normal(size=(1, 5000))
    acc = MeanCovariance(1)
    for part in np.array_split(x, 50, axis=1):
        acc.add(part)
    np.testing.assert_allclose(acc.covariance()[0, 0], x.var(), rtol=1e-8)


def test_empty_blocks_and_empty_accumulators_change_nothing():
    X = _frames(t=20)
    acc = MeanCovariance(6).add(X[:, :0]).add(X).merge(MeanCovariance(6))
    np.testing.assert_allclose(acc.covariance(), np.cov(X, bias=True), rtol=1e-10)
    assert np.all(MeanCovariance(3).covariance(ddof=1) == 0)


def test_mean_covariance_names_a_wrong_block_shape():
    with pytest.raises(ValueError, match=r"\(6, n_frames\)"):
        MeanCovariance(6).add(np.zeros((5, 10)))
    with pytest.raises(ValueError, match="merge"):
        MeanCovariance(6).merge(MeanCovariance(5))


def test_covariance_summaries_equal_their_definitions():
    X = _frames(d=4, t=100)
    acc = MeanCovariance(4).add(X)
    C = np.cov(X, bias=True)
    cov = covariance_summary(acc)
    assert cov.shape == (4 + 10,)
    np.testing.assert_allclose(cov[:4], X.mean(axis=1))
    expected = [C[i, j] for i in range(4) for j in range(i, 4)]
    np.testing.assert_allclose(cov[4:], expected, rtol=1e-10)
    corr = covariance_summary(acc, "correlation")
    R = np.corrcoef(X)
    np.testing.assert_allclose(corr[4:8], X.std(axis=1), rtol=1e-10)
    np.testing.assert_allclose(corr[8:], [R[i, j] for i in range(4) for j in range(i + 1, 4)], rtol=1e-9)
    logeig = covariance_summary(acc, "log_eigenvalues")
    np.testing.assert_allclose(np.exp(logeig[4:]), sorted(np.linalg.eigvalsh(C), reverse=True), rtol=1e-9)
    with pytest.raises(ValueError, match="kind"):
        covariance_summary(acc, "diagonal")


def test_correlation_of_a_constant_row_is_zero_not_nan():
    X = np.vstack([np.ones(10), np.arange(10.0)])
    corr = covariance_summary(MeanCovariance(2).add(X), "correlation")
    assert np.all(np.isfinite(corr)) and corr[-1] == 0


def test_gaussian_kl_equals_its_definition():
    d = 3
    A, B = RNG.normal(size=(d, d)), RNG.normal(size=(d, d))
    Sa, Sb = A @ A.T + np.eye(d), B @ B.T + np.eye(d)
    ma, mb = RNG.normal(size=d), RNG.normal(size=d)

    def kl(m0, S0, m1, S1):  # KL(N0 || N1), the textbook form
        inv1 = np.linalg.inv(S1)
        return 0.5 * (
            np.trace(inv1 @ S0)
            + (m1 - m0) @ inv1 @ (m1 - m0)
            - d
            + np.log(np.linalg.det(S1) / np.linalg.det(S0))
        )

    np.testing.assert_allclose(gaussian_kl(ma, Sa, mb, Sb), kl(ma, Sa, mb, Sb) + kl(mb, Sb, ma, Sa))
    assert gaussian_kl(ma, Sa, ma, Sa) == pytest.approx(0, abs=1e-12)


# ----------------------------------------------------------------------
# block-level patterns, against loops


def _naive_blocks(X, block, hop):
    return [X[:, s : s + block] for s in range(0, X.shape[1] - block + 1, hop)]


def test_spectral_and_delta_patterns_equal_loops():
    B = RNG.normal(size=(3, 13))
    sp = spectral_pattern(B)
    for b in range(3):
        assert sp[b].tolist() == sorted(B[b].tolist())
    dsp = delta_spectral_pattern(B, lag=3)
    for b in range(3):
        rises = [max(B[b, t + 3] - B[b, t], 0.0) for t in range(10)]
        np.testing.assert_array_equal(dsp[b], sorted(rises))


def test_correlation_pattern_equals_corrcoef():
    B = RNG.normal(size=(5, 40))
    R = np.corrcoef(B)
    np.testing.assert_allclose(correlation_pattern(B), [R[i, j] for i in range(5) for j in range(i + 1, 5)])
    B[2] = 7.0
    assert np.all(np.isfinite(correlation_pattern(B)))


def test_contrast_pattern_equals_a_loop():
    B = RNG.normal(size=(8, 6))
    got = contrast_pattern(B, n_subbands=2, alpha=0.25)
    for s, rows in enumerate((slice(0, 4), slice(4, 8))):
        contrasts = [max(B[rows, t]) - min(B[rows, t]) for t in range(6)]  # 25 % of 4 bands: one each
        np.testing.assert_allclose(got[s], sorted(contrasts))


def test_fluctuation_pattern_equals_a_direct_dft():
    L, rate = 256, 43.0
    t = np.arange(L)
    B = np.vstack([np.sin(2 * np.pi * 2.0 * t / rate), RNG.normal(size=L)])
    got = fluctuation_pattern(B, rate, n_bins=6, fmin=0.5, fmax=8.0)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * t / (L - 1))
    k = np.arange(L // 2 + 1)
    dft = np.exp(-2j * np.pi * np.outer(k, t) / L)
    amp = np.abs(((B - B.mean(axis=1, keepdims=True)) * w) @ dft.T)
    edges = np.round(np.geomspace(0.5, 8.0, 7) * L / rate).astype(int)
    expected = np.log1p(
        np.stack([amp[:, lo:hi].mean(axis=1) for lo, hi in zip(edges[:-1], edges[1:], strict=True)], 1)
    )
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    assert np.argmax(got[0]) == np.searchsorted(edges, round(2.0 * L / rate), side="right") - 1  # 2 Hz pulse


@pytest.mark.parametrize("name, pattern, block, hop, summary, q", SEYERLEHNER_2010)
def test_each_block_feature_equals_the_whole_array_reference_whatever_the_cut(
    name, pattern, block, hop, summary, q
):
    if name == "lfp":
        pattern = functools.partial(pattern, frame_rate=43.07)
    X = _frames(d=8, t=3 * block + 7, offset=-30.0)
    patterns = np.array([np.ravel(pattern(b)) for b in _naive_blocks(X, block, hop)])
    expected = patterns.var(axis=0) if summary == "variance" else np.percentile(patterns, q, axis=0)
    acc = BlockPatterns(pattern, block, hop, summary, q)
    for part in np.split(X, _cuts(X.shape[1], 9), axis=1):
        acc.add(part)
    np.testing.assert_array_equal(acc.finish(), expected)
    whole = BlockPatterns(pattern, block, hop, summary, q).add(X).finish()
    np.testing.assert_array_equal(whole, expected)


def test_block_patterns_with_hops_longer_than_blocks_skip_frames_across_adds():
    X = np.arange(40.0)[None, :]
    expected = np.percentile([X[:, s : s + 3].ravel() for s in range(0, 38, 7)], 50, axis=0)
    acc = BlockPatterns(spectral_pattern, block=3, hop=7)
    for part in np.split(X, [2, 5, 6, 20, 21], axis=1):
        acc.add(part)
    np.testing.assert_array_equal(acc.finish(), expected)


def test_a_clip_shorter_than_a_block_is_repeated_cyclically():
    X = np.array([[1.0, 5.0, 3.0], [0.0, -1.0, 2.0]])
    acc = BlockPatterns(spectral_pattern, block=5, hop=2).add(X[:, :1]).add(X[:, 1:])
    np.testing.assert_array_equal(acc.finish(), np.sort(X[:, [0, 1, 2, 0, 1]], axis=1).ravel())


def test_block_patterns_refuse_no_frames_and_bad_parameters():
    with pytest.raises(ValueError, match="no frames"):
        BlockPatterns(spectral_pattern, 4, 2).finish()
    with pytest.raises(ValueError, match="no frames"):
        BlockPatterns(spectral_pattern, 4, 2).add(np.zeros((2, 0))).finish()
    with pytest.raises(ValueError, match="block and hop"):
        BlockPatterns(spectral_pattern, 0, 2)
    with pytest.raises(ValueError, match="summary"):
        BlockPatterns(spectral_pattern, 4, 2, summary="median")
