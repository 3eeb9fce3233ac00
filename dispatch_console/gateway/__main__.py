"""``python -m dispatch_console.gateway``: the reference backend as a process (see :mod:`.cli`)."""

import sys

from dispatch_console.gateway.cli import main

if __name__ == "__main__":
    sys.exit(main())
