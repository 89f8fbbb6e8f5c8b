"""``import musicfeat`` is cheap: public names are imported on first use (issue 19, target 4).

The command line and a user's first ``import`` pay only for what they run;
every public name still resolves, and ``dir()`` still lists them all. Each
check runs in a fresh interpreter, where nothing is imported yet.
"""

import json
import subprocess
import sys

import musicfeat

HEAVY = ("sklearn", "numba", "scipy", "librosa", "joblib", "pandas", "soundfile")


def _fresh(code):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_package_imports_no_heavy_dependency():
    loaded = _fresh(
        f"import json, sys, musicfeat; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    assert loaded == []


def test_every_public_name_resolves_and_is_listed():
    got = _fresh(
        "import json, musicfeat\n"
        "names = {n: getattr(musicfeat, n).__module__ if hasattr(getattr(musicfeat, n), '__module__') else None"
        " for n in musicfeat.__all__ if not n.startswith('_') and n != 'FEATURE_SET_VERSION'}\n"
        "print(json.dumps({'names': names, 'dir': dir(musicfeat)}))"
    )
    assert set(got["names"]) == set(musicfeat.__all__) - {"__version__", "FEATURE_SET_VERSION"}
    assert set(musicfeat.__all__) <= set(got["dir"])
    assert musicfeat.MusicFeatures is __import__("musicfeat.features").features.MusicFeatures


def test_subpackages_still_resolve_as_attributes_and_unknown_names_fail():
    got = _fresh(
        "import json, musicfeat\n"
        "print(json.dumps([musicfeat.io.load_audio.__name__, hasattr(musicfeat, 'no_such_name')]))"
    )
    assert got == ["load_audio", False]


def test_a_group_alone_runs_when_it_is_the_first_thing_imported():
    """A group's fit and transform are the extraction layer's, imported on the first call (not on ``import``)."""
    got = _fresh(
        "import json, sys\n"
        "import numpy as np\n"
        "from musicfeat import ZeroCrossingFeatures\n"
        "before = 'musicfeat.extraction' in sys.modules\n"
        "y = (0.1 * np.random.default_rng(0).standard_normal(22050)).astype(np.float32)\n"
        "X = ZeroCrossingFeatures().fit_transform([y])\n"
        "print(json.dumps({'before': before, 'shape': list(X.shape)}))"
    )
    assert got == {"before": False, "shape": [1, 2]}
