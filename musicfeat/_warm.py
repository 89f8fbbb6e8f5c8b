"""Imported by the batch fork server: load every kernel once, before workers fork.

Workers forked afterwards inherit the loaded machine code (and librosa's
lazily imported modules), instead of each paying the first-call cost of
about a second.
"""

import numpy as np

from .features import MusicFeatures
from .kernels import precompile

# On a cold cache, the median filter compiles in a child process beside the
# other kernels (before the workers fork: the cores are idle).
precompile()

# 8 s: as long as the tempo's window, so that no feature is degenerate (and nothing warns).
MusicFeatures().fit_transform([(0.1 * np.sin(np.arange(8 * 22050) * 0.3)).astype(np.float32)])
