"""`python -m lesson_utils COMMAND`: see lesson_utils/cli.py."""

import sys

from .cli import main

sys.exit(main())
