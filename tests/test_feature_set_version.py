"""The feature-set version changes whenever a definition or the order does."""

import json

import numpy as np
from golden import PATH, golden_clip, names_digest

import musicfeat

BUMP = (
    "the default features changed: bump musicfeat.FEATURE_SET_VERSION "
    "(musicfeat/_version.py) and regenerate tests/data/golden.json with `python tests/golden.py`"
)


def test_names_and_values_are_those_of_this_feature_set_version():
    golden = json.loads(PATH.read_text())
    assert golden["feature_set_version"] == musicfeat.FEATURE_SET_VERSION, BUMP
    mf = musicfeat.MusicFeatures()
    names = [str(n) for n in mf.get_feature_names_out()]
    assert names_digest(names) == golden["names_sha256"], BUMP
    assert names == list(golden["values"]), BUMP
    row = mf.fit_transform([golden_clip()])[0]
    expected = np.array(list(golden["values"].values()))
    # Loose enough for other BLAS/CPU rounding, far tighter than any change of definition.
    shape_stat = np.array([n.endswith(("_skew", "_kurtosis")) for n in names])
    atol = np.where(shape_stat, 1e-4, 1e-8)
    bad = np.abs(row - expected) > 1e-3 * np.abs(expected) + atol
    assert not bad.any(), f"{BUMP}; differing: {[names[i] for i in np.flatnonzero(bad)][:10]}"
