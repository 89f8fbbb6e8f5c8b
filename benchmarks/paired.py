"""Paired comparisons of two feature sets over the same folds: the corrected resampled t-test.

Fold scores of repeated k-fold cross-validation are not independent: the
training sets overlap, so the plain standard error of the mean difference
is too small and a t-test on it finds differences that are not there.
Nadeau and Bengio (2003) correct the variance of the mean of ``J``
resampled differences by the ratio of test to training set sizes:

.. math:: \\hat\\sigma^2_{\\bar d} = \\left(\\frac{1}{J} + \\frac{n_2}{n_1}\\right) s_d^2,

with :math:`s_d^2` the sample variance of the ``J`` paired differences
(ddof 1), :math:`n_2/n_1 = 1/(k-1)` for k-fold, and a Student t with
``J - 1`` degrees of freedom. Bouckaert and Frank (2004) showed that this
"corrected repeated k-fold cv test" keeps its nominal type I error with 10
repeats of 10 folds, where the uncorrected test's is several times too
high. A difference whose 95 % interval excludes zero is *outside the
noise* here; one whose interval holds zero is not (which is not evidence
that the two are equal).

References: C. Nadeau and Y. Bengio, "Inference for the generalization
error", Machine Learning 52 (2003) 239-281; R. Bouckaert and E. Frank,
"Evaluating the replicability of significance tests for comparing learning
algorithms", PAKDD 2004.
"""

import numpy as np


def corrected_mean_se(diffs, test_train_ratio):
    """Mean paired difference and its corrected standard error (Nadeau and Bengio's variance).

    Examples
    --------
    >>> mean, se = corrected_mean_se([0.05, 0.02, 0.04, 0.03, 0.06], 0.25)
    >>> round(mean, 3), round(se, 4)
    (0.04, 0.0106)
    """
    d = np.asarray(diffs, dtype=np.float64)
    J = len(d)
    var = float(d.var(ddof=1)) if J > 1 else 0.0
    return float(d.mean()), float(np.sqrt((1.0 / J + test_train_ratio) * var))


def corrected_t(diffs, test_train_ratio, level=0.95):
    """Mean paired difference, its ``level`` confidence interval and two-sided p (corrected t-test).

    Parameters
    ----------
    diffs : array-like [shape=(J,)]
        Score of A minus score of B, fold by fold on the same splits.
    test_train_ratio : float
        ``n_test / n_train`` of one split (``1 / (k - 1)`` for k-fold).

    Returns
    -------
    (mean, low, high, p)

    Examples
    --------
    >>> mean, low, high, p = corrected_t([0.05, 0.02, 0.04, 0.03, 0.06], 0.25)
    >>> round(mean, 3), round(low, 3), round(high, 3), round(p, 4)
    (0.04, 0.011, 0.069, 0.0196)
    """
    from scipy import stats

    mean, se = corrected_mean_se(diffs, test_train_ratio)
    J = len(diffs)
    if se == 0:
        return mean, mean, mean, 0.0 if mean != 0 else 1.0
    t = stats.t.ppf(0.5 + level / 2, J - 1)
    p = 2 * stats.t.sf(abs(mean) / se, J - 1)
    return mean, float(mean - t * se), float(mean + t * se), float(p)


def format_interval(mean, low, high):
    """``+0.043 [+0.010, +0.076] *`` (the star: the interval excludes zero)."""
    star = " *" if low > 0 or high < 0 else ""
    return f"{mean:+.3f} [{low:+.3f}, {high:+.3f}]{star}"


def format_difference(diffs, test_train_ratio):
    """:func:`format_interval` of the corrected t-test of the paired differences ``diffs``."""
    mean, low, high, _ = corrected_t(diffs, test_train_ratio)
    return format_interval(mean, low, high)
