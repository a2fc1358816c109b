"""Figures that set measurements beside LIF theory: phase-response curve,
strength–duration and the per-pulse residuals. Every theory line is dashed black and
labelled "LIF theory" (:mod:`pulsesweep.analysis.comparison`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import xarray as xr
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
    ``prc_theory`` (:mod:`pulsesweep.analysis.theory_curves`, merged into ``responses``)."""
    height, width = prc_point(config)
    table = style.response_table(responses)
    table = table[np.isclose(table["height (nA)"], height) & np.isclose(table["width (ms)"], width)]
    if not np.isfinite(table["phase at pulse onset (cycles)"]).any():
        figure, axis = plt.subplots(figsize=(5.0, 3.0), constrained_layout=True)
        style.note(axis, style.NO_PHASE)
        return figure
    seeds = sorted(table["seed"].unique())
    palette = dict(zip(seeds, sns.color_palette("deep", len(seeds)), strict=True))
    figure, panels = style.kernel_panels(list(table["kernel"].unique()), height=3.0, aspect=1.1)
    theory = responses["prc_theory"]
    for kernel, axis in panels.items():
        rows = table[table["kernel"] == kernel]
        xy = ("phase at pulse onset (cycles)", "phase advance (cycles)")
        style.scatter_by(axis, rows, xy, ("seed", palette), edgecolors="w", linewidths=0.5)
        axis.plot(theory["theory_phase"], theory.sel(kernel=kernel), **style.THEORY)
        axis.set(xlim=(0, 1), title=f"{kernel}, h = {height:g} nA, w = {width:g} ms")
    first = next(iter(panels.values()))
    first.legend(*first.get_legend_handles_labels(), fontsize="x-small", frameon=False)
    style.label_panels(panels, "phase at pulse onset (cycles)", "phase advance (cycles)")
    style.palette_legend(figure, palette, "seed", marker="o", linestyle="")
    return figure


def plot_strength_duration(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Height needed to reach the criterion against width, per kernel, on log-log axes;
    mean and 95 % confidence interval over seeds (each seed's threshold is interpolated
    from its grid), beside ``threshold_height_theory`` (:mod:`pulsesweep.analysis.theory_curves`,
    merged into ``responses``)."""
    metric, value = criterion(config)
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
    axis.legend(fontsize="x-small", frameon=False, title=_legend_title(config, metric))
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


def plot_theory_residuals(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Measured against theoretical spike advance for every usable pulse, per kernel, with
    the identity line: the simulation checked against the closed form, pulse by pulse."""
    table = responses[["pulse_spike_advance", "pulse_spike_advance_theory"]].to_dataframe()
    table = table.reset_index().dropna()
    table["theory (ms)"] = table["pulse_spike_advance_theory"] * 1e3
    table["measured (ms)"] = table["pulse_spike_advance"] * 1e3
    table["width (ms)"] = table["width"] * 1e3
    if table.empty:
        figure, axis = plt.subplots(figsize=(5.0, 3.0), constrained_layout=True)
        style.note(axis, style.NO_PHASE)
        return figure
    palette = style.width_palette(table["width (ms)"])
    figure, panels = style.kernel_panels(list(table["kernel"].unique()), height=3.0, aspect=1.0)
    for kernel, axis in panels.items():
        rows = table[table["kernel"] == kernel]
        style.scatter_by(
            axis,
            rows,
            ("theory (ms)", "measured (ms)"),
            ("width (ms)", palette),
            s=12,
            linewidths=0,
            rasterized=len(table) > style.MAX_VECTOR_POINTS,
        )
        limits = [rows["theory (ms)"].min(), rows["theory (ms)"].max()]
        axis.plot(limits, limits, **{**style.THEORY, "label": "measured = LIF theory"})
        worst = np.abs(rows["measured (ms)"] - rows["theory (ms)"]).max() * 1e3
        axis.set_title(f"{kernel}: largest |residual| {worst:.2g} µs", fontsize="small")
    style.label_panels(panels, "theory (ms)", "measured (ms)")
    style.palette_legend(figure, palette, "width (ms)", marker="o", linestyle="")
    return figure
