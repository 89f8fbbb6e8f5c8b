"""Helpers shared by the test modules (fixtures live in conftest.py, plain functions here).

``conftest.py`` puts this folder on ``sys.path``, so test modules import it
as ``from helpers import SR, tone``, like ``naive`` and ``golden``.
"""

import numpy as np

from musicfeat.groups import ClipTransformer
from musicfeat.streaming import FrameSeries

#: The default analysis rate.
SR = 22050


def tone(freq=440.0, seconds=2.0, sr=SR, amplitude=0.5):
    """A float32 sine of ``freq`` Hz."""
    t = np.arange(int(seconds * sr)) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def labelled_clips():
    """Twelve 1-s clips, six tones and six noises, and their labels: a small classification task."""
    rng = np.random.default_rng(1)
    clips, labels = [], []
    for i in range(6):
        clips.append(tone(220.0 * (1 + 0.05 * i), 1.0))
        labels.append("tone")
        clips.append((0.2 * rng.standard_normal(SR)).astype(np.float32))
        labels.append("noise")
    return clips, np.array(labels)


class LearnedLevelFeatures(ClipTransformer):
    """A test group that learns: the harmonic RMS of a clip over that of the training clips.

    Stands for the learned summaries of a richer feature set (a codebook):
    ``fit`` sees every training clip's analysis, ``transform`` uses what it
    learnt. Importable by worker processes, like crashy.py.
    """

    learns = True

    def feature_names(self):
        return ["harmonic_level_over_training"]

    def feature_descriptions(self):
        return ["mean harmonic RMS over the mean of the training clips'"]

    def accumulator(self, config):
        return FrameSeries(lambda block: block.rms_harmonic, lambda rms: float(rms.mean()))

    def fit_clips(self, datas, owner=None):
        if not datas:
            raise ValueError("LearnedLevelFeatures needs at least one training clip.")
        self.training_level_ = float(np.mean(datas))

    def encode(self, data):
        return np.array([data / self.training_level_])
