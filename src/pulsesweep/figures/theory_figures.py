"""Figures that set measurements beside LIF theory: phase-response curve,
strength–duration and the per-pulse residuals. Every theory line is dashed black and
labelled "LIF theory" (:mod:`pulsesweep.analysis.comparison`); the residuals' zero line
too. A model of ``models:`` has no theory: its figures show the measurement alone (the
residuals' figure, having nothing to compare, only a note) and say so
(:func:`~pulsesweep.figures.style.no_theory_note`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pulsesweep import theory
from pulsesweep.analysis.theory_curves import prc_point
from pulsesweep.analysis.thresholds import criterion, criterion_heights
from pulsesweep.figures import style
from pulsesweep.model.neuron import mean_neuron
from pulsesweep.theory import limits

__all__ = ["plot_phase_response", "plot_strength_duration", "plot_theory_residuals"]


def plot_phase_response(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Phase advance against the phase at which the pulse arrived, per kernel, beside
    ``prc_theory`` (:mod:`pulsesweep.analysis.theory_curves`, merged into ``responses``)
    for the LIF; for a model without theory, the first panel's legend says so."""
    height, width = prc_point(config)
    cell = responses.isel(  # the pulses of one height and width, not the sweep's
        height=np.flatnonzero(np.isclose(responses["height"].values * 1e9, height)),
        width=np.flatnonzero(np.isclose(responses["width"].values * 1e3, width)),
    )
    table = style.response_table(cell)
    if not np.isfinite(table["phase at pulse onset (cycles)"]).any():
        figure, axis = plt.subplots(figsize=(5.0, 3.0), constrained_layout=True)
        style.note(axis, style.NO_PHASE)
        return figure
    seeds = sorted(table["seed"].unique())
    palette = dict(zip(seeds, sns.color_palette("deep", len(seeds)), strict=True))
    figure, panels = style.kernel_panels(list(table["kernel"].unique()), height=3.0, aspect=1.1)
    lif = style.has_theory(config)
    theory = responses["prc_theory"]
    for kernel, axis in panels.items():
        rows = table[table["kernel"] == kernel]
        xy = ("phase at pulse onset (cycles)", "phase advance (cycles)")
        style.scatter_by(axis, rows, xy, ("seed", palette), edgecolors="w", linewidths=0.5)
        if lif:
            axis.plot(theory["theory_phase"], theory.sel(kernel=kernel), **style.THEORY)
        axis.set(xlim=(0, 1), title=f"{kernel}, h = {height:g} nA, w = {width:g} ms")
    first = next(iter(panels.values()))
    if lif:
        first.legend(*first.get_legend_handles_labels(), fontsize="x-small", frameon=False)
    else:
        style.no_theory_note(first, config, fontsize="x-small", frameon=False)
    style.label_panels(panels, "phase at pulse onset (cycles)", "phase advance (cycles)")
    style.palette_legend(figure, palette, "seed", marker="o", linestyle="")
    return figure


def plot_strength_duration(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Height needed to reach the criterion against width, per kernel, on log-log axes;
    mean and 95 % confidence interval over seeds (each seed's threshold is interpolated
    from its grid), beside ``threshold_height_theory`` (:mod:`pulsesweep.analysis.theory_curves`,
    merged into ``responses``) for the LIF; for a model without theory, the legend says so."""
    metric, value = criterion(config, responses)
    heights = criterion_heights(responses, metric, value)
    table = (heights * 1e9).rename("threshold height (nA)").to_dataframe().reset_index()
    table["width (ms)"] = table["width"] * 1e3
    table = table[np.isfinite(table["threshold height (nA)"])]
    figure, axis = plt.subplots(figsize=(5.5, 4.0), constrained_layout=True)
    if table.empty:
        style.note(axis, f"no height on the grid reaches a mean {metric} of {value:g}")
        return figure
    kernels = list(responses["kernel"].values)
    colours = dict(zip(kernels, sns.color_palette(n_colors=len(kernels)), strict=True))
    style.response_lines(
        axis, table, "width (ms)", "threshold height (nA)", "kernel", colours, marker="o"
    )
    if style.has_theory(config):
        theory = responses["threshold_height_theory"]
        for kernel in kernels:
            axis.plot(
                theory["theory_width"] * 1e3,
                theory.sel(kernel=kernel) * 1e9,
                **{**style.THEORY, "color": colours[kernel], "label": f"LIF theory, {kernel}"},
            )
    axis.set(
        xscale="log",
        yscale="log",
        title=f"height for a mean {metric.replace('_', ' ')} of {value:g}",
    )
    if style.has_theory(config):
        axis.legend(fontsize="x-small", frameon=False, title=_legend_title(config, metric))
    else:
        style.no_theory_note(axis, config, fontsize="x-small", frameon=False)
    return figure


def _legend_title(config: Mapping[str, Any], metric: str) -> str | None:
    """Rheobase and chronaxie of the mean neuron, where they apply (silent neurons)."""
    neuron = mean_neuron(config["network"])
    if metric != "extra_spikes" or np.isfinite(theory.tonic_period(neuron)):
        return None
    rheobase = limits.rheobase_current(
        neuron["resistance"], neuron["bias_current"], neuron["v_threshold"]
    )
    return (
        f"rheobase {rheobase * 1e9:.3g} nA, chronaxie "
        f"{limits.chronaxie(neuron['tau']) * 1e3:.3g} ms (box: Lapicque)"
    )


#: The residuals' axis is linear within this many µs of 0, logarithmic beyond.
RESIDUAL_LINTHRESH = 0.1
NO_THEORY = "no LIF theory for this kernel"


def plot_theory_residuals(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Measured minus theoretical spike advance (µs) of every pulse against its height, a
    colour per width, a panel per kernel: the simulation checked against the closed form,
    pulse by pulse (``pulse_theory_residual``, :func:`pulsesweep.analysis.comparison.add_theory`).
    The y axis is symmetric-log, linear within :data:`RESIDUAL_LINTHRESH` µs of the dashed
    zero line, so round-off lies on the line and real disagreements stand out by decade.
    A kernel without theory (all residuals NaN) gets a note; a model without theory (of
    ``models:``), a figure that is a note."""
    if not style.has_theory(config) or not np.isfinite(responses["pulse_spike_advance"]).any():
        figure, axis = plt.subplots(figsize=(5.0, 3.0), constrained_layout=True)
        lif = style.has_theory(config)
        style.note(axis, style.NO_PHASE if lif else style.no_theory_text(config))
        return figure
    table = _residual_table(responses)
    palette = style.width_palette(table["width (ms)"])
    kernels = [str(kernel) for kernel in responses["kernel"].values]
    figure, panels = style.kernel_panels(kernels, height=3.0, aspect=1.1)
    rasterized = len(table) > style.MAX_VECTOR_POINTS
    for kernel, axis in panels.items():
        rows = table[table["kernel"] == kernel]
        _residual_panel(axis, kernel, rows, palette, rasterized)
        style.symlog(axis, table["height (nA)"] if len(table) else [1.0])
    largest = float(table["residual (µs)"].abs().max()) if len(table) else 0.0
    limit = max(10 * RESIDUAL_LINTHRESH, 2 * largest)  # symmetric, at least a decade
    for axis in panels.values():
        axis.set_ylim(-limit, limit)
    with_data = [panels[kernel] for kernel in kernels if (table["kernel"] == kernel).any()]
    if with_data:
        with_data[0].legend(loc="upper left", fontsize="x-small", frameon=False)
    style.label_panels(panels, "pulse height (nA)", "measured − theory spike advance (µs)")
    if palette:
        style.palette_legend(figure, palette, "width (ms)", marker="o", linestyle="")
    return figure


def _residual_table(responses: xr.Dataset) -> pd.DataFrame:
    """The pulses with a finite residual, in display units (nA, ms, µs); not height 0,
    the control, whose residual is 0 by construction. Built kernel by kernel from the
    arrays, with only the columns drawn (a table of every pulse and coordinate took
    hundreds of MB at 100,000 grid points)."""
    residual = responses["pulse_theory_residual"]
    tables = []
    for kernel in residual["kernel"].values:
        of_kernel = residual.sel(kernel=kernel).transpose("height", "width", "seed", "pulse")
        values = of_kernel.values
        heights = np.broadcast_to(residual["height"].values[:, None, None, None], values.shape)
        widths = np.broadcast_to(residual["width"].values[None, :, None, None], values.shape)
        keep = np.isfinite(values) & (heights != 0)
        table = pd.DataFrame(
            {
                "kernel": str(kernel),
                "height (nA)": heights[keep] * 1e9,
                "width (ms)": widths[keep] * 1e3,
                "residual (µs)": values[keep] * 1e6,
            }
        )
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def _residual_panel(
    axis: Axes, kernel: str, rows: pd.DataFrame, palette: Mapping[float, Any], rasterized: bool
) -> None:
    """One kernel's residuals, or the note that it has no theory to compare with."""
    axis.set_yscale("symlog", linthresh=RESIDUAL_LINTHRESH)
    if rows.empty:
        axis.set_title(kernel, fontsize="small")
        style.note(axis, NO_THEORY, blank=False)  # the panels share their axes
        return
    axis.axhline(0.0, **{**style.THEORY, "label": "measured = LIF theory"})
    style.scatter_by(
        axis,
        rows,
        ("height (nA)", "residual (µs)"),
        ("width (ms)", palette),
        s=12,
        alpha=0.7,
        linewidths=0,
        rasterized=rasterized,
    )
    worst = float(rows["residual (µs)"].abs().max())
    axis.set_title(f"{kernel}: largest |residual| {worst:.2g} µs", fontsize="small")
