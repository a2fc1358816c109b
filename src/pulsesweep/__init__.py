"""pulsesweep: sweep current pulses injected into tonically firing neurons (LIF or your own).

The package by concept, each layer importing only the ones below it:

- :mod:`pulsesweep.figures`: the figure registry and the figures;
- :mod:`pulsesweep.analysis`: responses against paired controls, aggregation, thresholds,
  measurement against theory;
- :mod:`pulsesweep.simulation` and :mod:`pulsesweep.theory`: simulating the model, and its
  closed-form theory;
- :mod:`pulsesweep.outputs`: atomic files with their provenance;
- :mod:`pulsesweep.config`: the schema, config resolution and the steps' keys;
- :mod:`pulsesweep.model`: kernels, neurons, schedules, the pulse current, the grid;
- :mod:`pulsesweep.errors`: the one-line errors.

:mod:`pulsesweep.cli` and :mod:`pulsesweep.jobs` (the sweep cut into jobs) sit on top.
:func:`read_spike_trains` reads the spike trains of a simulation file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulsesweep._version import __version__

if TYPE_CHECKING:
    from pulsesweep.simulation.reader import read_spike_trains

__all__ = ["__version__", "read_spike_trains"]


def __getattr__(name: str) -> object:
    # Imported when first used: ``import pulsesweep`` stays light (the Snakefile's parse).
    if name == "read_spike_trains":
        from pulsesweep.simulation.reader import read_spike_trains

        return read_spike_trains
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
