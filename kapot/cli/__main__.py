"""``python -m kapot.cli``: the command line."""

import sys

from kapot.cli import main

sys.exit(main())
