"""Helpers shared by the test modules (fixtures live in conftest.py, plain functions here).

``conftest.py`` puts this folder on ``sys.path``, so test modules import it
as ``from helpers import SR, tone``, like ``naive`` and ``golden``.
"""

import numpy as np

from musicfeat.groups import ClipTransformer

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

    _learns = True

    def _feature_names(self):
        return ["harmonic_level_over_training"]

    def _feature_descriptions(self):
        return ["mean harmonic RMS over the mean of the training clips'"]

    def _fit_clip(self, spectra):
        return float(spectra.rms_harmonic.mean())

    def _fit_finish(self, samples, owner=None):
        if not samples:
            raise ValueError("LearnedLevelFeatures needs at least one training clip.")
        self.training_level_ = float(np.mean(samples))

    def _features(self, spectra):
        return np.array([spectra.rms_harmonic.mean() / self.training_level_])
