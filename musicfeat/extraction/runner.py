"""The one clip runner: an item of X to each group's data, decoded once, streamed or whole.

Every clip of every call goes through :func:`clip_data`: a
:class:`~musicfeat.Spectra` is checked against the plan's analysis, anything
else is checked against the longest clip a group can hold, then decoded
(:func:`musicfeat.io.open_stream`, or :func:`musicfeat.io.load_audio` when
the plan holds clips whole) and analysed as blocks
(:func:`musicfeat.streaming.spectra_blocks`) or as one block
(:func:`musicfeat.streaming.whole_clip_block`): each group's accumulator
receives the same blocks either way. Whatever fails, running out of memory
included, becomes the clip's :class:`~musicfeat.InvalidAudioError`, named by
its position in X. :func:`row_of` encodes the groups' data into the clip's
row and checks that it is finite.
"""

import os
from typing import NamedTuple

import numpy as np

from ..exceptions import InvalidAudioError
from ..frontend import Spectra
from ..io import item_error, load_audio, open_audio, open_stream
from ..streaming import spectra_blocks, whole_clip_block

__all__ = ["Clip", "clip_data", "row_of", "run_accumulators", "whole_clip_data"]


class Clip(NamedTuple):
    """What one clip gave: each group's data (or its row), and how long it lasts."""

    value: object
    seconds: float


def run_accumulators(groups, config, blocks):
    """Each group's data of one clip: its accumulator fed ``blocks`` in order, then finished.

    An accumulator's ``close()`` (one that keeps a scratch file) is called
    whether the clip succeeds or fails.
    """
    accumulators = [group.accumulator(config) for group in groups]
    try:
        for block in blocks:
            for accumulator in accumulators:
                accumulator.add(block)
        return [accumulator.finish() for accumulator in accumulators]
    finally:
        for accumulator in accumulators:
            getattr(accumulator, "close", lambda: None)()


def whole_clip_data(groups, spectra):
    """Each group's data of a whole clip: the stream path on one block."""
    return run_accumulators(groups, spectra.config, [whole_clip_block(spectra)])


def clip_data(plan, item, index, groups=None, whole=None):
    """One item's :class:`Clip`: the data of each of ``groups`` (default: the plan's).

    Parameters
    ----------
    plan : ExtractionPlan
    item : object
        An item of X (:func:`musicfeat.io.as_items`).
    index : int
        Its position in X, for errors.
    groups : sequence of ClipTransformer, optional
    whole : callable, optional
        ``whole(groups, config, y)``: the data of a clip held whole (a
        cache, for one); by default :func:`whole_clip_data` of its Spectra.

    Raises
    ------
    InvalidAudioError
        Naming the item, for anything that goes wrong with it.
    """
    groups = plan.groups if groups is None else tuple(groups)
    config = plan.config
    if isinstance(item, Spectra):
        if item.config != config:
            raise item_error(
                index,
                item,
                f"a Spectra computed with {item.config}, but {plan.owner} has {config}; use the same "
                "front-end parameters",
            )
        return _analysed(plan, item, index, item.y.size, lambda: whole_clip_data(groups, item))
    _refuse_too_long(plan, item, index)
    whole = whole or (lambda gs, c, y: whole_clip_data(gs, Spectra(y, c)))
    if plan.engine != "whole" and not plan.needs_whole_clip:
        with open_stream(item, config.sr, index=index, max_duration=plan.max_duration) as stream:
            if plan.engine_for(stream.duration) == "stream":
                blocks = spectra_blocks(stream.chunks(), config)
                clip = _analysed(plan, item, index, None, lambda: run_accumulators(groups, config, blocks))
                return Clip(clip.value, stream.n_samples / config.sr)
            y = stream.whole()  # equal to load_audio's, from the file opened once
    else:
        y = load_audio(item, config.sr, index=index, max_duration=plan.max_duration)
    return _analysed(plan, item, index, y.size, lambda: whole(groups, config, y))


def _analysed(plan, item, index, n_samples, compute):
    """``Clip(compute(), seconds)``, any failure of ``compute`` being the item's InvalidAudioError."""
    sr = plan.config.sr
    try:
        value = compute()
    except InvalidAudioError:  # the stream's decoding: already the item's error
        raise
    except MemoryError:
        seconds = f"{n_samples / sr:.0f} s" if n_samples else "a clip"
        raise item_error(index, item, f"ran out of memory analysing it ({seconds} at {sr} Hz)") from None
    except Exception as error:  # a failure on one clip must name that clip
        raise item_error(
            index, item, f"feature extraction failed ({type(error).__name__}: {error})"
        ) from error
    return Clip(value, None if n_samples is None else n_samples / sr)


def row_of(plan, datas, index, item):
    """The clip's row: each group's encoding of its data, checked against its names, joined, checked finite.

    Raises
    ------
    InvalidAudioError
        Naming the item, when an encoding fails or a value is not finite.
    ValueError
        Naming the group, its class and both lengths, when a group's row is
        not a 1-D array of numbers, one per name of its ``feature_names()``:
        the group's fault, whatever the clip (``on_error`` does not apply).
    """
    try:
        rows = [group.encode(data) for group, data in zip(plan.groups, datas, strict=True)]
    except Exception as error:
        raise item_error(
            index, item, f"feature extraction failed ({type(error).__name__}: {error})"
        ) from error
    rows = [_group_row(plan, k, row, index) for k, row in enumerate(rows)]
    row = rows[0] if len(rows) == 1 else np.concatenate(rows)
    bad = ~np.isfinite(row)
    if bad.any():
        names = [n for n, b in zip(plan.names, bad, strict=True) if b]
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        # Which group gave them: a user's group may be at fault rather than the audio.
        makers = [plan.group_label(k) for k, r in enumerate(rows) if not np.isfinite(r).all()]
        raise item_error(
            index, item, f"features came out non-finite: {names[:5]}{more} (from {', '.join(makers)})"
        )
    return row


def _group_row(plan, k, row, index):
    """The ``k``-th group's row as float64, or a ValueError naming the group when it breaks the protocol."""
    n_names = plan.widths[k]
    try:
        array = np.asarray(row)
    except Exception:  # a ragged sequence, say
        array, what = None, f"a {type(row).__name__} that is not an array"
    else:
        if row is None:
            what = "None"
        elif array.dtype.kind not in "biuf":
            what = f"an array of dtype {array.dtype} (not numbers)"
        elif array.ndim != 1:
            what = f"an array of shape {array.shape} (not 1-D)"
        elif array.size != n_names:
            what = f"{array.size} value{'' if array.size == 1 else 's'} long"
        else:
            return array.astype(np.float64, copy=False)
    raise ValueError(
        f"{plan.group_label(k)}: its row for X[{index}] is {what}, but its feature_names() names "
        f"{n_names} features. accumulator(config).finish(), then encode(data), must give a 1-D array "
        f"of {n_names} numbers, one per name, for every clip (docs/custom-groups.md)."
    )


def _refuse_too_long(plan, item, index):
    """A clip longer than a group of the plan can hold whole fails, from a file's header when it has one."""
    limit = plan.longest_clip()
    if limit is None:
        return
    seconds, why = limit
    if isinstance(item, (str, bytes, os.PathLike)) or hasattr(item, "seek"):
        with open_audio(item, index=index, max_duration=plan.max_duration) as audio:
            duration = audio.header.duration
        if hasattr(item, "seek"):
            item.seek(0)  # the decoder reads it from the start
    else:  # a waveform (or a pair with its rate); the decoder says what is wrong with it, if anything
        try:
            y, rate = item if isinstance(item, tuple) else (item, plan.config.sr)
            duration = np.shape(y)[-1] / float(rate)
        except Exception:
            return
    if duration is not None and duration > seconds:
        raise item_error(index, item, f"it lasts {duration:.0f} s, longer than {seconds:g} s: {why}")
