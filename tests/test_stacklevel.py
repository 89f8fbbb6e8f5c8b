"""Warnings point at the user's line, not into scikit-learn's wrappers (issue 18 item 17)."""

import inspect
import os
import warnings

import numpy as np
import pytest

import musicfeat
from musicfeat._stacklevel import external_stacklevel

#: A transformer whose source file is inside musicfeat's folder (as a group's is), whose
#: transform scikit-learn wraps (set_output), and which warns with a stacklevel given.
_SOURCE = """
import warnings
from sklearn.base import BaseEstimator, TransformerMixin
from musicfeat._stacklevel import external_stacklevel

class Warns(TransformerMixin, BaseEstimator):
    def __init__(self, counted=True):
        self.counted = counted

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        self._warn()
        return X

    def _warn(self):
        level = external_stacklevel() if self.counted else 3
        warnings.warn("degenerate", UserWarning, stacklevel=level)

    def get_feature_names_out(self, input_features=None):
        return input_features
"""


@pytest.fixture(scope="module")
def warns_class():
    namespace = {}
    fake = os.path.join(os.path.dirname(musicfeat.__file__), "_a_group_of_the_test.py")
    exec(compile(_SOURCE, fake, "exec"), namespace)
    return namespace["Warns"]


@pytest.mark.parametrize("call", ["transform", "fit_transform"])
def test_the_warning_points_at_the_user_s_line(warns_class, call):
    X = np.zeros((2, 2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        getattr(warns_class().fit(X), call)(X)
    assert [(os.path.basename(w.filename), w.lineno) for w in caught] == [("test_stacklevel.py", line)]


def test_a_fixed_stacklevel_points_into_scikit_learn(warns_class):
    # what external_stacklevel fixes: the wrapper of set_output takes the user's frame's place
    X = np.zeros((2, 2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warns_class(counted=False).fit(X).transform(X)
    assert "sklearn" in caught[0].filename


def test_a_caller_outside_is_its_own_line():
    assert external_stacklevel() == 1


@pytest.mark.parametrize("call", ["transform", "fit_transform"])
@pytest.mark.parametrize("output", ["default", "pandas"])
def test_degenerate_feature_warning_points_at_the_user_s_line(call, output):
    """MusicFeatures' own warning, through scikit-learn's set_output wrapper: a 0.5-s clip is shorter than every window."""
    if output == "pandas":
        pytest.importorskip("pandas")
    clip = (0.1 * np.random.default_rng(0).standard_normal(11025)).astype(np.float32)
    extractor = musicfeat.MusicFeatures(include=["windowed"]).set_output(transform=output)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        getattr(extractor, call)([clip])
    degenerate = [w for w in caught if issubclass(w.category, musicfeat.DegenerateFeatureWarning)]
    assert [(os.path.basename(w.filename), w.lineno) for w in degenerate] == [("test_stacklevel.py", line)]
