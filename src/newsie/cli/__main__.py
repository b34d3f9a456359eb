"""`python -m newsie.cli ...`: the same as the `newsie` command."""

import sys

from newsie.cli import main

sys.exit(main())
