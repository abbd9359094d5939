"""`python -m lesson_utils COMMAND`: see lesson_utils/admin/cli.py."""

import sys

from .admin.cli import main

sys.exit(main())
