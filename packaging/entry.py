"""The bundle's executable: the same command line as ``main.py`` (the console with no arguments)."""

import sys

from dispatch_console.cli import main

if __name__ == "__main__":
    sys.exit(main())
