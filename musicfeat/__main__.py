"""``python -m musicfeat``: the command line (:mod:`musicfeat.cli`)."""

import sys

from .cli import main

sys.exit(main())
