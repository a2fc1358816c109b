"""Every figure of the workflow by name: what draws it, from which file, in which step.

The registry is importable without matplotlib or seaborn (the Snakefile reads it every
time it is parsed; on a cluster, once per job): a figure's function is named, as
``module:function`` inside :mod:`pulsesweep.figures`, and imported when it is drawn. The
workflow's rules and outputs, the report's captions (``workflow/report/{name}.rst``), the
command line and the drawing order all come from :data:`FIGURES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pulsesweep.config.steps import STEPS, Step

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.figure import Figure

__all__ = [
    "FIGURES",
    "FIGURE_NAMES",
    "RESPONSE_FIGURES",
    "THEORY_FIGURES",
    "FigureEntry",
    "figure_entry",
]

Source = Literal["responses", "examples"]


@dataclass(frozen=True)
class FigureEntry:
    """One figure: its output name, the function that draws it and what it reads.

    Attributes
    ----------
    name
        The figure's file stem (``results/figures/{name}.{format}``).
    function
        ``module:function`` within :mod:`pulsesweep.figures`; the function takes the
        source dataset (merged with the theory curves if ``theory``) and the step's config
        and returns a matplotlib figure.
    source
        ``responses`` (``responses.nc``) or ``examples`` (``examples.nc``).
    theory
        Whether it draws the LIF theory curves of ``theory_curves.nc``.
    """

    name: str
    function: str
    source: Source
    theory: bool = False

    @property
    def step(self) -> Step:
        """The workflow step that draws it, and so the config keys it reads."""
        return STEPS["example_figure" if self.source == "examples" else "figures"]

    def draw_function(self) -> Callable[[xr.Dataset, Mapping[str, Any]], Figure]:
        """The drawing function (imports matplotlib and seaborn)."""
        module, function = self.function.split(":")
        drawn: Callable[[xr.Dataset, Mapping[str, Any]], Figure] = getattr(
            importlib.import_module(f"pulsesweep.figures.{module}"), function
        )
        return drawn


#: Every figure, the slowest to draw first (measured on the 20,000-point sweep of
#: ``make bench-scale``; the residuals draw every pulse), so that figures drawn side by
#: side end together.
FIGURES: dict[str, FigureEntry] = {
    entry.name: entry
    for entry in (
        FigureEntry("theory_residuals", "theory_figures:plot_theory_residuals", "responses"),
        FigureEntry(
            "extra_spikes_vs_charge", "response_figures:plot_charge_comparison", "responses"
        ),
        FigureEntry("spike_advance_vs_height", "response_figures:plot_spike_advance", "responses"),
        FigureEntry("extra_spikes_vs_height", "response_figures:plot_extra_spikes", "responses"),
        FigureEntry(
            "phase_advance_heatmaps", "response_figures:plot_phase_advance_heatmaps", "responses"
        ),
        FigureEntry(
            "phase_response_curve", "theory_figures:plot_phase_response", "responses", theory=True
        ),
        FigureEntry("example_traces", "response_figures:plot_examples", "examples"),
        FigureEntry(
            "strength_duration", "theory_figures:plot_strength_duration", "responses", theory=True
        ),
    )
}
#: Every figure's name.
FIGURE_NAMES = list(FIGURES)
#: Figures drawn from responses.nc.
RESPONSE_FIGURES = [name for name, entry in FIGURES.items() if entry.source == "responses"]
#: Figures with LIF theory lines from theory_curves.nc
#: (:mod:`pulsesweep.analysis.theory_curves`).
THEORY_FIGURES = [name for name, entry in FIGURES.items() if entry.theory]


def figure_entry(name: str) -> FigureEntry:
    """The registry's entry of ``name``, with an error that lists the figures."""
    try:
        return FIGURES[name]
    except KeyError:
        raise KeyError(f"unknown figure {name!r}; allowed: {', '.join(FIGURES)}") from None
