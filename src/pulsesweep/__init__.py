"""pulsesweep: sweep current pulses injected into tonically firing LIF neurons."""

from __future__ import annotations

from importlib import metadata

__version__ = metadata.version("pulsesweep")
