"""``python -m fastnn COMMAND ...``: the same command line as the ``fastnn`` script."""

import sys

from fastnn.playground.cli import main

sys.exit(main())
