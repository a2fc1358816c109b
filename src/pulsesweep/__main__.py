"""``python -m pulsesweep``: the same command line as ``pulsesweep``."""

from pulsesweep.cli import main

raise SystemExit(main())
