import os
import sys
from pathlib import Path

import numpy as np
import pytest

# naive.py, helpers.py, golden.py and crashy.py are imported by the test
# modules as plain modules.
sys.path.insert(0, str(Path(__file__).parent))

from helpers import SR  # noqa: E402


@pytest.fixture(scope="session")
def example():
    """Load a librosa example clip (offline through LIBROSA_DATA_DIR) at 22,050 Hz mono."""
    import librosa

    cache = {}

    def load(key, duration=None, sr=SR):
        if (key, duration, sr) not in cache:
            y, _ = librosa.load(librosa.example(key), sr=sr, mono=True, duration=duration)
            cache[(key, duration, sr)] = y
        return cache[(key, duration, sr)]

    return load


@pytest.fixture(scope="session")
def example_path():
    import librosa

    return lambda key: librosa.example(key)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def pytest_report_header(config):
    return f"LIBROSA_DATA_DIR={os.environ.get('LIBROSA_DATA_DIR', '(unset: librosa downloads examples)')}"
