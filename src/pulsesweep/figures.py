"""Response-curve figures, drawn with seaborn from ``responses.nc`` and ``examples.nc``.

Every figure function takes the dataset (and the resolved config where it needs it) and
returns a matplotlib figure; :func:`save_figure` writes it atomically in each format.
Means are over usable pulses of all seeds, with bootstrapped 95 % confidence intervals
(seeded, so the figures are reproducible).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import xarray as xr
from matplotlib.figure import Figure

from pulsesweep.config import resolve_config
from pulsesweep.figure_names import RESPONSE_FIGURES
from pulsesweep.files import atomic_output

__all__ = [
    "FIGURES",
    "plot_examples",
    "response_table",
    "save_figure",
    "write_figures",
]

_CI = {"errorbar": ("ci", 95), "n_boot": 1000, "seed": 0}
_METADATA = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}


def response_table(responses: xr.Dataset) -> pd.DataFrame:
    """Usable per-pulse responses as a long table, in display units (nA, ms, pC)."""
    names = ["pulse_extra_spikes", "pulse_first_spike_latency", "pulse_phase_advance",
             "pulse_phase", "pulse_usable", "charge"]
    table = responses[names].to_dataframe().reset_index()
    table = table[table["pulse_usable"].astype(bool)].copy()
    table["height (nA)"] = table["height"] * 1e9
    table["width (ms)"] = table["width"] * 1e3
    table["charge per pulse (pC)"] = table["charge"] * 1e12
    table["extra spikes"] = table["pulse_extra_spikes"]
    table["first-spike latency (ms)"] = table["pulse_first_spike_latency"] * 1e3
    table["phase advance (cycles)"] = table["pulse_phase_advance"]
    table["phase at pulse onset (cycles)"] = table["pulse_phase"]
    return table


def _symlog(axis: plt.Axes, values: Sequence[float], which: str = "x") -> None:
    """Symmetric-log scale, linear within the smallest non-zero magnitude (heights may be
    negative: hyperpolarising pulses)."""
    magnitudes = np.abs(np.asarray(values, dtype=float))
    magnitudes = magnitudes[np.isfinite(magnitudes) & (magnitudes > 0)]
    linear = float(magnitudes.min()) if magnitudes.size else 1.0
    getattr(axis, f"set_{which}scale")("symlog", linthresh=linear, linscale=0.5)


def _against_height(responses: xr.Dataset, metric: str) -> Figure:
    table = response_table(responses)
    table = table[table["height (nA)"] != 0]
    grid = sns.relplot(
        data=table, x="height (nA)", y=metric, hue="width (ms)", col="kernel",
        col_wrap=min(3, table["kernel"].nunique()), kind="line", marker="o",
        palette="viridis", height=3.0, aspect=1.1, legend="full", **_CI,
    )
    for axis in grid.axes.flat:
        _symlog(axis, table["height (nA)"])
    grid.set_titles("{col_name}")
    return grid.figure


def plot_extra_spikes(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Extra spikes against height (symmetric-log x): a line per width, a panel per kernel."""
    return _against_height(responses, "extra spikes")


def plot_latency(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """First-spike latency against height, in the same layout."""
    return _against_height(responses, "first-spike latency (ms)")


def plot_phase_advance_heatmaps(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Mean phase advance over height x width, one heat map per kernel."""
    mean = responses["phase_advance"].mean("seed")
    kernels = list(responses["kernel"].values)
    columns = min(3, len(kernels))
    rows = -(-len(kernels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 3.0 * rows),
                                squeeze=False, constrained_layout=True)
    limit = float(np.nanmax(np.abs(mean.values))) or 1.0
    for axis, kernel in zip(axes.flat, kernels, strict=False):
        frame = pd.DataFrame(
            mean.sel(kernel=kernel).values,
            index=pd.Index([f"{h * 1e9:g}" for h in mean["height"].values], name="height (nA)"),
            columns=pd.Index([f"{w * 1e3:g}" for w in mean["width"].values], name="width (ms)"),
        )
        sns.heatmap(frame.iloc[::-1], ax=axis, cmap="RdBu_r", vmin=-limit, vmax=limit,
                    annot=True, fmt=".2f", annot_kws={"size": 6},
                    cbar_kws={"label": "phase advance (cycles)"})
        axis.set_title(kernel)
    for axis in list(axes.flat)[len(kernels):]:
        axis.set_visible(False)
    return figure


def plot_charge_comparison(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Extra spikes against charge per pulse, one line per kernel (equal charge)."""
    table = response_table(responses)
    table = table[table["charge per pulse (pC)"] != 0]
    figure, axis = plt.subplots(figsize=(5.5, 4.0), constrained_layout=True)
    means = table.groupby(["kernel", "height (nA)", "width (ms)"], as_index=False).mean(
        numeric_only=True)
    sns.lineplot(data=means.sort_values("charge per pulse (pC)"), x="charge per pulse (pC)",
                 y="extra spikes", hue="kernel", marker="o", errorbar=None, ax=axis)
    _symlog(axis, means["charge per pulse (pC)"])
    return figure


def _middle(values: Sequence[float]) -> float:
    values = sorted(v for v in values if v != 0)
    return values[(len(values) - 1) // 2]


def plot_phase_response(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Phase advance against the phase at which the pulse arrived, per kernel."""
    figures, sweep = config["figures"], config["sweep"]
    height = figures["prc_height_nA"] or _middle(sweep["heights_nA"])
    width = figures["prc_width_ms"] or _middle(sweep["widths_ms"])
    table = response_table(responses)
    table = table[np.isclose(table["height (nA)"], height) & np.isclose(table["width (ms)"], width)]
    grid = sns.relplot(
        data=table, x="phase at pulse onset (cycles)", y="phase advance (cycles)",
        col="kernel", col_wrap=min(3, table["kernel"].nunique()), kind="scatter",
        hue="seed", palette="deep", height=3.0, aspect=1.1,
    )
    grid.set(xlim=(0, 1))
    grid.set_titles("{col_name}" + f", h = {height:g} nA, w = {width:g} ms")
    return grid.figure


def plot_examples(examples: xr.Dataset, config: Mapping[str, Any] | None = None) -> Figure:
    """Per kernel: the pulse current above, the membrane potential against control below."""
    kernels = list(examples["kernel"].values)
    figure, axes = plt.subplots(2, len(kernels), figsize=(2.8 * len(kernels), 4.2),
                                sharex=True, sharey="row", squeeze=False,
                                constrained_layout=True)
    time = examples["time"].values * 1e3
    threshold = examples.attrs["v_threshold"] * 1e3
    for column, kernel in enumerate(kernels):
        top, bottom = axes[0, column], axes[1, column]
        top.plot(time, examples["current"].sel(kernel=kernel).values * 1e9, color="C3")
        top.set_title(kernel)
        bottom.plot(time, examples["control_potential"].values * 1e3, color="0.6",
                    label="control")
        bottom.plot(time, examples["potential"].sel(kernel=kernel).values * 1e3, color="C0",
                    label="pulsed")
        bottom.axhline(threshold, color="k", lw=0.5, ls=":")
        bottom.set_xlabel("time (ms)")
    axes[0, 0].set_ylabel("current (nA)")
    axes[1, 0].set_ylabel("membrane potential (mV)")
    axes[1, 0].legend(frameon=False, fontsize="small")
    return figure


#: Figures drawn from responses.nc, by output name (names: pulsesweep.figure_names).
FIGURES: dict[str, Callable[[xr.Dataset, Mapping[str, Any]], Figure]] = dict(zip(
    RESPONSE_FIGURES,
    (plot_extra_spikes, plot_latency, plot_phase_advance_heatmaps, plot_charge_comparison,
     plot_phase_response),
    strict=True,
))


def save_figure(figure: Figure, stem: str | Path, formats: Sequence[str]) -> list[Path]:
    """Write ``figure`` as ``stem.<format>`` for each format, atomically, then close it.

    SVG keeps its text as text, so labels stay editable in a vector editor.
    """
    paths = []
    for extension in formats:
        path = Path(f"{stem}.{extension}")
        with atomic_output(path) as partial, plt.rc_context({"svg.fonttype": "none"}):
            figure.savefig(partial, dpi=200, metadata=_METADATA.get(extension))
        paths.append(path)
    plt.close(figure)
    return paths


def write_figures(config: Mapping[str, Any], source: str | Path, name: str,
                  stem: str | Path) -> list[Path]:
    """Draw figure ``name`` (a key of FIGURES, or ``example_traces``) from ``source``."""
    config = resolve_config(config)
    with sns.axes_style("ticks"), xr.open_dataset(source) as dataset:
        dataset = dataset.load()
        draw = plot_examples if name == "example_traces" else FIGURES[name]
        figure = draw(dataset, config)
    return save_figure(figure, stem, config["figures"]["formats"])
