"""`python -m teenygrad ...` runs the command line (see teenygrad/cli.py)."""
import sys

from teenygrad.cli import main

sys.exit(main())
