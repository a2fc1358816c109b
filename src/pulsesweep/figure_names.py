"""The workflow's figures by name, importable without matplotlib or seaborn.

The Snakefile reads these every time it is parsed (on a cluster, once per job), so they
live apart from :mod:`pulsesweep.figures`, which draws them.
"""

from __future__ import annotations

__all__ = ["FIGURE_NAMES", "RESPONSE_FIGURES"]

#: Figures drawn from responses.nc.
RESPONSE_FIGURES = (
    "extra_spikes_vs_height",
    "spike_advance_vs_height",
    "phase_advance_heatmaps",
    "extra_spikes_vs_charge",
    "phase_response_curve",
    "strength_duration",
    "theory_residuals",
)
#: Every figure: those above, and the example traces from examples.nc.
FIGURE_NAMES = [*RESPONSE_FIGURES, "example_traces"]
