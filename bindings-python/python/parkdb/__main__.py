"""``python -m parkdb``: the ``parkdb`` command."""

import sys

from ._cli import main

sys.exit(main())
