"""Helpers shared by the test modules (fixtures live in conftest.py, plain functions here).

``conftest.py`` puts this folder on ``sys.path``, so test modules import it
as ``from helpers import SR, tone``, like ``naive`` and ``golden``.
"""

import numpy as np

#: The default analysis rate.
SR = 22050


def tone(freq=440.0, seconds=2.0, sr=SR, amplitude=0.5):
    """A float32 sine of ``freq`` Hz."""
    t = np.arange(int(seconds * sr)) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
