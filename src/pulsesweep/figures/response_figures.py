"""Response figures: the measured responses against height, width and charge, and the
per-kernel example traces, drawn with seaborn from ``responses.nc`` and ``examples.nc``.

Every figure function takes the dataset and the step's config and returns a matplotlib
figure. Means are over usable pulses of all seeds, with bootstrapped 95 % confidence
intervals (seeded, so the figures are reproducible), summarised per grid cell kernel by
kernel (:mod:`pulsesweep.figures.summary`). LIF theory is drawn for the built-in
LIF only: a model of ``models:`` has none, and its figures say so.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pulsesweep.analysis.comparison import charge_slope_theory, slow_pulse_theory
from pulsesweep.figures.style import (
    NO_PHASE,
    THEORY,
    annotated_heatmap,
    has_theory,
    kernel_panels,
    label_panels,
    no_theory_note,
    note,
    palette_legend,
    symlog,
    width_palette,
)
from pulsesweep.figures.summary import response_summary, summary_lines

__all__ = [
    "plot_charge_comparison",
    "plot_examples",
    "plot_extra_spikes",
    "plot_phase_advance_heatmaps",
    "plot_spike_advance",
]


def _against_height(responses: xr.Dataset, metric: str, caption: str = "") -> Figure:
    summary = response_summary(responses, [metric])
    summary = summary[summary["height (nA)"] != 0]
    if summary.empty:
        figure, axis = plt.subplots(figsize=(5.0, 3.0), constrained_layout=True)
        note(axis, f"no pulse has a finite {metric}")
        return figure
    palette = width_palette(summary["width (ms)"])
    figure, panels = kernel_panels(list(summary["kernel"].unique()), height=3.0, aspect=1.1)
    for kernel, axis in panels.items():
        of_kernel = summary[summary["kernel"] == kernel]
        summary_lines(
            axis, of_kernel, "height (nA)", metric, "width (ms)", palette, marker="o", legend=False
        )
        symlog(axis, summary["height (nA)"])
    label_panels(panels, "height (nA)", metric)
    palette_legend(figure, palette, "width (ms)", marker="o")
    if caption:
        figure.suptitle(textwrap.fill(caption, 80), fontsize="small")
    return figure


def plot_extra_spikes(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Extra spikes against height (symmetric-log x): a line per width, a panel per kernel."""
    return _against_height(responses, "extra spikes")


def plot_spike_advance(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """How much earlier the next spike comes, against height, in the same layout.

    Where the control neurons never fire (``R I0 <= Vt``) there is no next spike to
    advance: the figure shows the latency of the evoked spikes instead, and says so.
    """
    if np.isfinite(responses["pulse_spike_advance"].where(responses["pulse_usable"])).any():
        return _against_height(responses, "spike advance (ms)")
    return _against_height(
        responses,
        "first-spike latency (ms)",
        caption=(
            "the control neurons do not fire, so nothing is advanced: "
            "latency of the evoked spikes from the pulse's start instead"
        ),
    )


def plot_phase_advance_heatmaps(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Mean phase advance over height x width, one heat map per kernel, each on its own
    colour scale (so a kernel's weak-pulse, linear regime is not washed out by another
    kernel's strongest cell): sequential where all its cells share a sign, diverging and
    centred on 0 where they do not (:func:`~pulsesweep.figures.style.heatmap_scale`),
    annotated to two significant digits (up to 100 cells a map)."""
    mean = responses["phase_advance"].mean("seed")
    kernels = list(responses["kernel"].values)
    columns = min(3, len(kernels))
    rows = -(-len(kernels) // columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(3.8 * columns, 3.0 * rows), squeeze=False, constrained_layout=True
    )
    for axis, kernel in zip(axes.flat, kernels, strict=False):
        values = mean.sel(kernel=kernel).values
        axis.set_title(kernel)
        if not np.isfinite(values).any():
            note(axis, NO_PHASE)
            continue
        annotated_heatmap(
            axis,
            values,
            ("height (nA)", [f"{h * 1e9:g}" for h in mean["height"].values]),
            ("width (ms)", [f"{w * 1e3:g}" for w in mean["width"].values]),
            "phase advance (cycles)",
        )
    for axis in list(axes.flat)[len(kernels) :]:
        axis.set_visible(False)
    return figure


def plot_charge_comparison(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Phase advance and extra spikes against charge per pulse: a line per (kernel, width),
    never averaged across widths, with 95 % confidence bands over pulses (the equal-charge
    comparison), beside LIF theory: the small-charge slope of the phase advance, and the
    slow-pulse limit of the extra spikes for each kernel's widest pulse. A model of
    ``models:`` has no theory: the measurement alone, and the right legend says so."""
    metrics = ("phase advance (cycles)", "extra spikes")
    table = response_summary(responses, metrics)
    table = table[table["charge per pulse (pC)"] != 0]
    kernels = list(responses["kernel"].values)
    colours = dict(zip(kernels, sns.color_palette(n_colors=len(kernels)), strict=True))
    figure, axes = plt.subplots(1, 2, figsize=(11.0, 4.5), constrained_layout=True)
    for axis, metric in zip(axes, metrics, strict=True):
        summary_lines(
            axis,
            table,
            "charge per pulse (pC)",
            metric,
            "kernel",
            colours,
            style="width (ms)",
            markers=True,
            dashes=False,
            legend=axis is axes[1],
        )
        symlog(axis, table["charge per pulse (pC)"])
    if not has_theory(config):
        no_theory_note(axes[1], config, fontsize="xx-small", ncols=2, frameon=False)
        return figure
    _small_charge_theory(axes[0], table, config)
    _slow_pulse_theory(axes[1], responses, config, colours)
    return figure


def _small_charge_theory(axis: Axes, table: pd.DataFrame, config: Mapping[str, Any]) -> None:
    """The LIF's small-charge slope of the phase advance, over the data's charges up to a
    third of a cycle, where it is linear."""
    slope = charge_slope_theory(config) * 1e-12  # cycles per pC
    low, high = table["charge per pulse (pC)"].min(), table["charge per pulse (pC)"].max()
    if np.isfinite(slope):  # over the data, up to a third of a cycle, where it is linear
        charges = np.linspace(min(low, 0.0), min(high, 1 / (3 * slope)), 400)
        axis.plot(charges, slope * charges, **{**THEORY, "label": "LIF theory: small charge"})
        axis.legend(fontsize="x-small", frameon=False)


def _slow_pulse_theory(
    axis: Axes, responses: xr.Dataset, config: Mapping[str, Any], colours: Mapping[str, Any]
) -> None:
    """The LIF's slow-pulse limit of the extra spikes for each kernel's widest pulse."""
    widest = float(responses["width"].max())
    heights = np.linspace(float(responses["height"].min()), float(responses["height"].max()), 200)
    for kernel, colour in colours.items():
        charge, extra = slow_pulse_theory(config, kernel, heights, widest)
        axis.plot(
            charge * 1e12,
            extra,
            **{
                **THEORY,
                "color": colour,
                "label": (f"LIF theory, slow pulse, {kernel}, w = {widest * 1e3:g} ms"),
            },
        )
    axis.legend(fontsize="xx-small", ncols=2, frameon=False)


def plot_examples(examples: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Per kernel: the pulse current above, the membrane potential against control below,
    with the threshold dotted where it is a potential (``v_threshold``: the LIF's; a model
    of ``models:`` has a threshold condition instead)."""
    kernels = list(examples["kernel"].values)
    figure, axes = plt.subplots(
        2,
        len(kernels),
        figsize=(2.8 * len(kernels), 4.2),
        sharex=True,
        sharey="row",
        squeeze=False,
        constrained_layout=True,
    )
    time = examples["time"].values * 1e3
    threshold = examples.attrs.get("v_threshold")
    for column, kernel in enumerate(kernels):
        top, bottom = axes[0, column], axes[1, column]
        top.plot(time, examples["current"].sel(kernel=kernel).values * 1e9, color="C3")
        top.set_title(kernel)
        bottom.plot(time, examples["control_potential"].values * 1e3, color="0.6", label="control")
        bottom.plot(
            time, examples["potential"].sel(kernel=kernel).values * 1e3, color="C0", label="pulsed"
        )
        if threshold is not None:
            bottom.axhline(threshold * 1e3, color="k", lw=0.5, ls=":")
        bottom.set_xlabel("time (ms)")
    axes[0, 0].set_ylabel("current (nA)")
    axes[1, 0].set_ylabel("membrane potential (mV)")
    axes[1, 0].legend(frameon=False, fontsize="small")
    return figure
