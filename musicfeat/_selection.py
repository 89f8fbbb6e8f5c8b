"""Which groups a MusicFeatures computes: its feature set's (``include=``), then the user's (``groups=``).

The room of :class:`~musicfeat.MusicFeatures`' group selection: it reads the
registry, validates ``feature_set``, ``include`` and ``groups`` (errors name
the estimator), and builds each group from the estimator's parameters once
per call, in canonical form and with the run parameters fixed (how a clip is
run is the extraction plan's, so no group in a cache key varies with it).
"""

from dataclasses import fields

from sklearn.base import clone

from . import _validation as v
from .frontend import FrontEndConfig
from .groups import ClipTransformer, registry

#: Parameters of how a clip is run, not of what is computed: the extraction
#: plan's. The groups MusicFeatures builds get fixed values for them.
RUN_PARAMS = {"on_error": "raise", "max_duration": None, "engine": "auto"}


def feature_set(estimator):
    """The estimator's :class:`~musicfeat.groups.FeatureSet`, validated."""
    name = v.check_options(estimator, "feature_set", estimator.feature_set, tuple(registry.FEATURE_SETS))
    return registry.FEATURE_SETS[name]


def included_groups(estimator):
    """The names of the feature set's groups the estimator computes, in registry order."""
    fs = feature_set(estimator)
    include = estimator.include
    if include is None:
        return fs.groups
    available = fs.available_groups
    is_sequence = not isinstance(include, str) and hasattr(include, "__iter__")
    names = list(include) if is_sequence else []
    empty = not names and not (is_sequence and estimator.groups)  # empty: only the groups of your own
    if empty or not set(names) <= set(available) or len(set(names)) != len(names):
        raise v.fail(
            estimator,
            "include",
            f"None or a sequence of distinct names among {list(available)} "
            f"(the groups of feature set {fs.name!r}; empty only beside groups of your own)",
            include,
        )
    return tuple(name for name in registry.GROUPS if name in names)


def user_groups(estimator):
    """The ``groups`` parameter, checked: ``(name, group)`` pairs of the group protocol."""
    if estimator.groups is None:
        return []
    expected = (
        "None or a list of (name, group) pairs, each group a musicfeat.groups.ClipTransformer and "
        "each name a distinct str that is not a group of the registry"
    )
    try:
        pairs = [(name, group) for name, group in estimator.groups]
    except (TypeError, ValueError):
        raise v.fail(estimator, "groups", expected, estimator.groups) from None
    names = [name for name, _ in pairs]
    if (
        not all(isinstance(name, str) and isinstance(g, ClipTransformer) for name, g in pairs)
        or len(set(names)) != len(names)
        or set(names) & set(registry.GROUPS)
    ):
        raise v.fail(estimator, "groups", expected, estimator.groups)
    return pairs


def user_group_alone(estimator, group):
    """A clone of a user's group configured to run alone with the estimator's analysis and run parameters.

    What :meth:`~musicfeat.MusicFeatures.make_union` holds: a group alone
    decodes its clips itself, so it takes ``on_error``, ``max_duration`` and
    ``engine`` too, where it lists them.
    """
    group = clone(group)
    listed = group.get_params(deep=False)
    shared = [*(f.name for f in fields(FrontEndConfig)), *RUN_PARAMS]
    return group.set_params(**{name: getattr(estimator, name) for name in shared if name in listed})


def build_groups(estimator, front_end):
    """The groups of one call, validated, in output order.

    Every registered group's parameters are validated, included or not (as
    scikit-learn validates every parameter), naming the estimator, and set
    in canonical form, so that equal settings are one cache key. A user's
    group is cloned and given the analysis and run parameters it lists; its
    own parameters' errors name it.
    """
    included = included_groups(estimator)
    groups = {}
    for name, cls in registry.GROUPS.items():
        run = {k: value for k, value in RUN_PARAMS.items() if k in cls._get_param_names()}
        group = registry.build_group(cls, estimator, **run, **front_end)
        groups[name] = group.set_params(**group._check_group_params(owner=estimator))
    own = []
    for name, user_group in user_groups(estimator):
        group = clone(user_group)
        listed = group.get_params(deep=False)
        group.set_params(**{k: value for k, value in {**front_end, **RUN_PARAMS}.items() if k in listed})
        try:  # its own parameters, not the estimator's: the error names the group
            checked = group._check_group_params(owner=group)
        except ValueError as error:
            raise ValueError(f"group {name!r} of {type(estimator).__name__}: {error}") from None
        own.append(group.set_params(**checked))
    return tuple(groups[name] for name in included) + tuple(own)
