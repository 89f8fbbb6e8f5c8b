import os
import sys
from pathlib import Path

import numpy as np
import pytest

# tests/naive.py is imported by several test modules as a plain module.
sys.path.insert(0, str(Path(__file__).parent))

SR = 22050


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


def tone(freq=440.0, seconds=2.0, sr=SR, amplitude=0.5):
    t = np.arange(int(seconds * sr)) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def pytest_report_header(config):
    return f"LIBROSA_DATA_DIR={os.environ.get('LIBROSA_DATA_DIR', '(unset: librosa downloads examples)')}"
