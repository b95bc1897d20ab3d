"""`python -m geoinpaint.cli`: the same as the `geoinpaint` command."""

import sys

from geoinpaint.cli import main

sys.exit(main())
