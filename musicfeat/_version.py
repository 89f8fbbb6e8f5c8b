"""Package and feature-set versions: a leaf every room may read (no imports)."""

__version__ = "0.2.0"

#: Version of the feature definitions and their order (docs/features.md,
#: docs/contract.md; CHANGELOG.md records each).
#: Bump it whenever a definition, a default or the order changes:
#: ``tests/test_feature_set_version.py`` fails until you do. Every table of
#: features that leaves the process carries it.
FEATURE_SET_VERSION = "419.1"
