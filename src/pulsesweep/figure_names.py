"""The workflow's figures by name, importable without matplotlib or seaborn.

The Snakefile reads these every time it is parsed (on a cluster, once per job), so they
live apart from :mod:`pulsesweep.figures`, which draws them.
"""

from __future__ import annotations

__all__ = ["FIGURE_NAMES", "RESPONSE_FIGURES", "THEORY_FIGURES"]

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
#: Figures with LIF theory lines from theory_curves.nc (:mod:`pulsesweep.theory_curves`).
THEORY_FIGURES = ("phase_response_curve", "strength_duration")
#: Every figure: those above, and the example traces from examples.nc.
FIGURE_NAMES = [*RESPONSE_FIGURES, "example_traces"]
