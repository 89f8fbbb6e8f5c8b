"""Input: X into its clips, and each clip into a mono float32 waveform at the requested rate.

The room below the front end; it imports :mod:`musicfeat.exceptions`, and
:mod:`musicfeat.dsp` for resampling.
An item is a file path (str, bytes or PathLike), an open binary file
object, a 1-D floating-point waveform already at the estimator's ``sr``, or
a ``(waveform, sample_rate)`` pair (a transformer also takes a
:class:`~musicfeat.Spectra`, which it checks itself). Everything that can go
wrong with an item, running out of memory included, becomes
:class:`~musicfeat.InvalidAudioError` naming the item and its position in X.

- :mod:`~musicfeat.io.items`: X into its clips (:func:`as_items`), what
  kind each is (:func:`item_kind`), naming an item in errors, checking samples;
- :mod:`~musicfeat.io.limits`: the sample rates and the duration a clip may
  have (:data:`SAMPLE_RATE_RANGE`, :data:`DEFAULT_MAX_DURATION`);
- :mod:`~musicfeat.io.headers`: a container read as bytes (a WAV, AIFF or
  Ogg cut short, an Ogg page damaged), never a sample;
- :mod:`~musicfeat.io.files`: a file's header checked before any sample is
  decoded, then decoded a block at a time (:func:`open_audio`);
- :mod:`~musicfeat.io.stream`: one item as a stream of mono chunks at the
  analysis rate (:func:`open_stream`), the one decoder;
- :mod:`~musicfeat.io.load`: one item to its waveform (:func:`load_audio`),
  the stream read whole.
"""

from .files import AudioFile, AudioHeader, open_audio
from .items import as_items, describe_item, item_error, item_kind
from .limits import DEFAULT_MAX_DURATION, SAMPLE_RATE_RANGE
from .load import RES_TYPE, load_audio
from .stream import AudioStream, open_stream

__all__ = [
    "as_items",
    "item_kind",
    "load_audio",
    "open_audio",
    "open_stream",
    "AudioStream",
    "AudioFile",
    "AudioHeader",
    "describe_item",
    "item_error",
    "SAMPLE_RATE_RANGE",
    "DEFAULT_MAX_DURATION",
    "RES_TYPE",
]
