"""Fitted state as a file of plain arrays: written, and read back only once proved to be what it claims.

The room of :meth:`~musicfeat.MusicFeatures.save_fitted` and
:meth:`~musicfeat.MusicFeatures.load_fitted`. The file is a ``.npz``: a
zip of ``.npy`` members, ``signature`` (JSON: the feature-set version and
:func:`~musicfeat.value_identity.value_params`) and ``GROUP.ATTRIBUTE``
for each fitted attribute of each learning group.

A fitted-state file comes from elsewhere (another run, another machine), so
reading it trusts nothing: every member's key, dtype and shape are checked
against what the extractor expects from its ``.npy`` header alone, before
its data is decompressed; what is read is bounded by what is expected (a
small file cannot unpack a huge array); the values must be finite (and a
scale positive). Any fault is one :class:`ValueError` naming the file.

:func:`learning_plan`, :func:`fit_sample` and :func:`fit_from_samples` are
``fit`` in pieces, for a caller that runs the clips elsewhere (the batch's
learning pass, in worker processes that may die or hang): the same
validation, per-clip analysis and final fit as ``fit``, so the same state.

What a learning group's fitted state is, it declares: a method
``fitted_state()`` returning ``{attribute: StateArray}`` (see
:class:`StateArray`; a tuple of its fields or a dict of them will do, so
that a group need not import this module). A learning group that declares nothing (a user's
own) is read with generic checks: attribute names that are neither its
methods nor its parameters, numeric dtypes, finite values, a bounded size.
"""

import json
import os
import stat
import zipfile
from dataclasses import dataclass

import numpy as np
from numpy.lib import format as npy

from .value_identity import value_params, value_signature

__all__ = [
    "StateArray",
    "declared_state",
    "save_state",
    "load_state",
    "signature_text",
    "learning_plan",
    "fit_sample",
    "fit_from_samples",
]

#: Longest signature read (characters): parameters in JSON are a few hundred.
MAX_SIGNATURE_CHARS = 1 << 16
#: Largest fitted state read for a learning group that declares none.
MAX_UNDECLARED_BYTES = 1 << 28
#: Room for each member's zip entry and ``.npy`` header beside its data.
_MEMBER_SLACK = 1 << 16


@dataclass(frozen=True)
class StateArray:
    """One fitted attribute as it must be: its dtype, its shape, and bounds of its values.

    Attributes
    ----------
    kind : {'float', 'int'}
        A float64 array, or an integer (read as int64).
    shape : tuple of int
        ``()`` for a scalar, read back as a Python number.
    minimum : float, optional
        Smallest value allowed; ``positive`` excludes it too.
    positive : bool
    """

    kind: str
    shape: tuple
    minimum: float | None = None
    positive: bool = False

    @property
    def dtype(self):
        return np.dtype(np.float64 if self.kind == "float" else np.int64)


def _as_state_array(spec):
    if isinstance(spec, StateArray):
        return spec
    return StateArray(**spec) if isinstance(spec, dict) else StateArray(*spec)


def declared_state(group):
    """``{attribute: StateArray}`` of a learning group, or None when it declares none."""
    own = getattr(group, "fitted_state", None)
    if callable(own):  # a group need not import this module: (kind, shape, ...) or a dict will do
        return {attr: _as_state_array(spec) for attr, spec in own().items()}
    return None


def _undeclared_attributes(group):
    """The public fitted attributes (``name_``) of a learning group that declares none."""
    return {k: v for k, v in vars(group).items() if k.endswith("_") and not k.startswith("_")}


def save_state(estimator, named_groups, path):
    """Write the signature and the fitted attributes of ``named_groups``' learning groups, atomically."""
    arrays = {"signature": np.array(signature_text(estimator))}
    for name, group in named_groups:
        if not group.learns:
            continue
        declared = declared_state(group)
        attributes = _undeclared_attributes(group) if declared is None else declared
        for attr in attributes:
            value = np.asarray(getattr(group, attr))
            if declared is not None:
                value = value.astype(declared[attr].dtype, copy=False)
            arrays[f"{name}.{attr}"] = value
    path = os.path.expanduser(os.fspath(path))
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def signature_text(estimator):
    """The JSON text of what fitted state depends on: the feature-set version and the value parameters."""
    return json.dumps(value_signature(estimator), default=repr)


class _Refused(Exception):
    """What is wrong with the file, said without its name (added once, by :func:`load_state`)."""


def load_state(estimator, named_groups, path):
    """Check the file at ``path`` against ``estimator`` and set its learning groups' fitted state.

    ``named_groups``: ``(name, group)`` of the estimator's groups, built
    unfitted with its parameters. Nothing is set unless everything is right.

    Raises
    ------
    OSError
        If the file cannot be opened (no such file, a folder).
    ValueError
        Naming the file, if it is not a file of :func:`save_state` (damaged,
        truncated, another kind of file), was written for other parameters
        or another feature-set version, or holds a state other than the one
        these groups expect (a key, dtype, shape or value).
    """
    path = os.path.expanduser(os.fspath(path))
    learners = [(name, group) for name, group in named_groups if group.learns]
    if not stat.S_ISREG(os.stat(path).st_mode) and not os.path.isdir(path):  # a pipe would block open()
        raise ValueError(f"{path}: not a regular file, not a fitted state of save_fitted")
    with open(path, "rb") as f:
        try:
            state = _read_checked(f, estimator, learners)
        except _Refused as why:
            raise ValueError(f"{path}: {why}") from None
    for (_, group), values in zip(learners, state, strict=True):
        for attr, value in values.items():
            setattr(group, attr, value.item() if value.ndim == 0 else value)


def _expected(learners):
    """``{key: StateArray or None}`` (None: undeclared) and the largest file that can hold it."""
    expected, limit = {"signature": None}, 4 * MAX_SIGNATURE_CHARS + _MEMBER_SLACK
    for name, group in learners:
        declared = declared_state(group)
        if declared is None:
            expected[name] = None  # any public attribute of this group, within MAX_UNDECLARED_BYTES
            limit += MAX_UNDECLARED_BYTES
            continue
        for attr, spec in declared.items():
            expected[f"{name}.{attr}"] = spec
            limit += int(np.prod(spec.shape, dtype=np.int64)) * spec.dtype.itemsize + _MEMBER_SLACK
    return expected, limit


def _open_zip(f, limit):
    size = os.fstat(f.fileno()).st_size
    head = f.read(6)
    f.seek(0)
    if size == 0:
        raise _Refused("an empty file, not a fitted state of save_fitted (a .npz)")
    if head == npy.MAGIC_PREFIX:
        raise _Refused("a single .npy array, not the .npz of arrays that save_fitted writes")
    if size > limit:
        raise _Refused(f"{size} bytes, more than the fitted state these parameters expect can take")
    try:
        return zipfile.ZipFile(f)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as error:
        raise _Refused(
            f"not a fitted state of save_fitted, or a damaged one (not a readable .npz: {error})"
        ) from None


def _read_checked(f, estimator, learners):
    expected, limit = _expected(learners)
    undeclared = {name for name, spec in expected.items() if spec is None and name != "signature"}
    with _open_zip(f, limit) as archive:
        members = {}
        for info in archive.infolist():
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if key in members:
                raise _Refused(f"holds {key!r} twice")
            group, dot, _ = key.partition(".")
            if key not in expected and not (dot and group in undeclared):
                raise _Refused(f"holds {key!r}, which is no fitted state of this extractor")
            members[key] = info
        if "signature" not in members:
            raise _Refused("no signature: not a fitted state of save_fitted")
        _check_signature(_read_member(archive, members["signature"], "signature", None), estimator)
        state = []
        for name, group in learners:
            keys = [k for k in members if k.partition(".")[0] == name]
            if not keys:
                raise _Refused(f"no fitted state for the group {name!r}")
            if name in undeclared:
                state.append(_read_undeclared(archive, members, name, group, keys))
                continue
            wanted = [k for k in expected if k.partition(".")[0] == name]
            missing = [k for k in wanted if k not in members]
            if missing:
                raise _Refused(f"no {', '.join(map(repr, missing))} (the group {name!r} needs it)")
            state.append(
                {k.partition(".")[2]: _read_member(archive, members[k], k, expected[k]) for k in wanted}
            )
    return state


def _read_undeclared(archive, members, name, group, keys):
    """The attributes of a group that declares none: generic checks, and a bound on their total size."""
    forbidden = set(group.get_params()) | set(dir(type(group)))
    values, total = {}, 0
    for key in keys:
        attr = key.partition(".")[2]
        if not (attr.isidentifier() and attr.endswith("_") and not attr.startswith("_")) or attr in forbidden:
            raise _Refused(f"holds {key!r}, which is no fitted attribute of the group {name!r}")
        total += members[key].file_size
        if total > MAX_UNDECLARED_BYTES:
            raise _Refused(f"more than {MAX_UNDECLARED_BYTES} bytes of fitted state for the group {name!r}")
        values[attr] = _read_member(archive, members[key], key, None, numeric=True)
    return values


def _read_member(archive, info, key, spec, numeric=False):
    """One member's array, its header checked against ``spec`` before its data is decompressed."""
    try:
        with archive.open(info) as member:
            version = npy.read_magic(member)
            if version == (1, 0):
                shape, fortran, dtype = npy.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, fortran, dtype = npy.read_array_header_2_0(member)
            else:
                raise _Refused(f"{key!r} is a .npy of version {version}, not one save_fitted writes")
            _check_header(key, shape, dtype, spec, numeric)
            count = int(np.prod(shape, dtype=np.int64))
            nbytes = count * dtype.itemsize
            if spec is None and not numeric and nbytes > 4 * MAX_SIGNATURE_CHARS:
                raise _Refused(f"{key!r} is longer than a signature can be")
            data = member.read(nbytes + 1)  # reaching the end checks the member's CRC
    except _Refused:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as error:
        raise _Refused(f"{key!r} cannot be read: a damaged file ({error})") from None
    if len(data) != nbytes:
        raise _Refused(f"{key!r} holds {len(data)} bytes of data where its header says {nbytes}: damaged")
    array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    if spec is not None or numeric:
        array = np.array(  # a native, writable copy (0-d stays 0-d)
            array, dtype=spec.dtype if spec is not None else array.dtype.newbyteorder("=")
        )
        _check_values(key, array, spec)
    return array


def _check_header(key, shape, dtype, spec, numeric):
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise _Refused(f"{key!r} has dtype {dtype}, not plain numbers")
    if spec is None and not numeric:  # the signature: one string
        if dtype.kind != "U" or shape != ():
            raise _Refused(f"{key!r} is an array of {dtype} of shape {shape}, not the signature's text")
        return
    kinds = "biuf" if spec is None else "f" if spec.kind == "float" else "iu"
    exact = spec is not None and spec.kind == "float" and dtype.newbyteorder("=") != spec.dtype
    if dtype.kind not in kinds or exact:  # floats as written (float64); integers of any width
        raise _Refused(f"{key!r} has dtype {dtype}, where {spec.kind if spec else 'numbers'} are expected")
    if spec is not None and tuple(shape) != tuple(spec.shape):
        raise _Refused(f"{key!r} has shape {tuple(shape)}, where these parameters give {tuple(spec.shape)}")


def _check_values(key, array, spec):
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise _Refused(f"{key!r} holds values that are not finite (NaN or infinity)")
    if spec is None or spec.minimum is None:
        return
    low = array.min() if array.size else spec.minimum
    if low < spec.minimum or (spec.positive and low <= spec.minimum):
        bound = f"{'above' if spec.positive else 'at least'} {spec.minimum:g}"
        raise _Refused(f"{key!r} holds {low:g}, where every value must be {bound}")


def _check_signature(text_array, estimator):
    try:
        theirs = json.loads(str(text_array[()]))
    except ValueError:
        theirs = None
    if not (
        isinstance(theirs, dict)
        and isinstance(theirs.get("feature_set_version"), str)
        and isinstance(theirs.get("params", {}), dict)
    ):
        raise _Refused("its signature is not the JSON object save_fitted writes: a damaged or foreign file")
    mine = value_signature(estimator)
    if theirs["feature_set_version"] != mine["feature_set_version"]:
        raise _Refused(
            f"fitted by feature set {theirs['feature_set_version']!r}, "
            f"this extractor makes {mine['feature_set_version']!r}."
        )
    # A parameter the file predates had its default's effect; one it holds
    # that changes no value (engine, max_duration) is not compared.
    defaults = value_params(type(estimator)())
    there = theirs.get("params", {})
    changed = sorted(k for k, v in mine["params"].items() if there.get(k, defaults.get(k)) != v)
    if changed:
        described = ", ".join(
            f"{k}: {there.get(k, defaults.get(k))!r} there, {mine['params'][k]!r} here" for k in changed
        )
        raise _Refused(f"fitted with other parameters ({described}).")


# ----------------------------------------------------------------------
# fit in pieces: one clip's sample anywhere, the fit from the samples here


def learning_plan(estimator):
    """What ``estimator.fit`` validates and builds before its first clip (picklable, for workers).

    Raises
    ------
    ValueError
        As ``fit`` does, for a parameter out of range.
    """
    return estimator._plan(fitting=True)


def fit_sample(estimator, plan, item):
    """What ``fit`` keeps of one clip: each learning group's ``fit_sample`` of its data, as ``fit`` takes it.

    Raises
    ------
    InvalidAudioError
        If the clip cannot be decoded or analysed.
    """
    from threadpoolctl import threadpool_limits

    from .extraction.runner import clip_data

    with threadpool_limits(limits=1, user_api="blas"):  # as fit's clips: values independent of BLAS threads
        clip = clip_data(plan, item, 0, plan.learners, whole=estimator._whole(plan))
    return [group.fit_sample(data) for group, data in zip(plan.learners, clip.value, strict=True)]


def fit_from_samples(estimator, plan, samples):
    """Fit ``estimator``'s learning groups on :func:`fit_sample`'s samples, in order, as ``fit`` does.

    Returns
    -------
    estimator
    """
    for k, learner in enumerate(plan.learners):
        learner.fit_clips([sample[k] for sample in samples], owner=estimator)
    estimator._remember_fit(plan)
    return estimator
