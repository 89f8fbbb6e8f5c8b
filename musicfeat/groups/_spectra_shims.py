"""The deprecated ``Spectra.chroma`` and ``Spectra.onset_envelope``, until 0.3.

They moved to the groups that compute them (0.2). The shims live here, in
the groups' room, and are set on :class:`~musicfeat.Spectra` when the groups
are imported, so the front end imports nothing above it.
"""

from .._deprecation import warn_deprecated
from ..frontend import Spectra
from .note_classes import chroma
from .rhythm import onset_envelope


def _onset_envelope(self):
    """Deprecated: use :func:`musicfeat.groups.rhythm.onset_envelope`."""
    warn_deprecated("Spectra.onset_envelope", "musicfeat.groups.rhythm.onset_envelope(spectra)")
    return onset_envelope(self)


def _chroma(self):
    """Deprecated: use :func:`musicfeat.groups.note_classes.chroma`."""
    warn_deprecated("Spectra.chroma", "musicfeat.groups.note_classes.chroma(spectra)")
    return chroma(self)


Spectra.onset_envelope = property(_onset_envelope)
Spectra.chroma = property(_chroma)
