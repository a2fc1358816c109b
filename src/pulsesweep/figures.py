"""Response-curve figures, drawn with seaborn from ``responses.nc`` and ``examples.nc``.

Every figure function takes the dataset (and the resolved config where it needs it) and
returns a matplotlib figure; :func:`save_figure` writes it atomically in each format.
Means are over usable pulses of all seeds, with bootstrapped 95 % confidence intervals
(seeded, so the figures are reproducible).
"""

from __future__ import annotations

import textwrap
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
from pulsesweep.thresholds import criterion, criterion_heights

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
    names = ["pulse_extra_spikes", "pulse_first_spike_latency", "pulse_spike_advance",
             "pulse_phase_advance", "pulse_phase", "pulse_usable", "charge"]
    table = responses[names].to_dataframe().reset_index()
    table = table[table["pulse_usable"].astype(bool)].copy()
    table["height (nA)"] = table["height"] * 1e9
    table["width (ms)"] = table["width"] * 1e3
    table["charge per pulse (pC)"] = table["charge"] * 1e12
    table["extra spikes"] = table["pulse_extra_spikes"]
    table["first-spike latency (ms)"] = table["pulse_first_spike_latency"] * 1e3
    table["spike advance (ms)"] = table["pulse_spike_advance"] * 1e3
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


def _against_height(responses: xr.Dataset, metric: str, note: str = "") -> Figure:
    table = response_table(responses)
    table = table[(table["height (nA)"] != 0) & np.isfinite(table[metric])]
    if table.empty:
        figure, axis = plt.subplots(figsize=(5.0, 3.0), constrained_layout=True)
        _note(axis, f"no pulse has a finite {metric}")
        return figure
    grid = sns.relplot(
        data=table, x="height (nA)", y=metric, hue="width (ms)", col="kernel",
        col_wrap=min(3, table["kernel"].nunique()), kind="line", marker="o",
        palette="viridis", height=3.0, aspect=1.1, legend="full", **_CI,
    )
    for axis in grid.axes.flat:
        _symlog(axis, table["height (nA)"])
    grid.set_titles("{col_name}")
    if note:
        grid.figure.suptitle(textwrap.fill(note, 80), fontsize="small")
        grid.tight_layout()
    return grid.figure


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
    return _against_height(responses, "first-spike latency (ms)", note=(
        "the control neurons do not fire (R·I0 ≤ Vt), so nothing is advanced: "
        "latency of the evoked spikes from the pulse's start instead"))


def _note(axis: plt.Axes, text: str) -> None:
    """Say on an empty panel why it is empty."""
    axis.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize="small",
              transform=axis.transAxes)
    axis.set_xticks([])
    axis.set_yticks([])


_NO_PHASE = ("phase metrics are undefined: the neurons do not fire tonically "
             "(R·I0 ≤ Vt), so they have no phase")


def plot_phase_advance_heatmaps(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Mean phase advance over height x width, one heat map per kernel, each on its own
    symmetric colour scale (so a kernel's weak-pulse, linear regime is not washed out by
    another kernel's strongest cell), annotated to two significant digits."""
    mean = responses["phase_advance"].mean("seed")
    kernels = list(responses["kernel"].values)
    columns = min(3, len(kernels))
    rows = -(-len(kernels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.8 * columns, 3.0 * rows),
                                squeeze=False, constrained_layout=True)
    for axis, kernel in zip(axes.flat, kernels, strict=False):
        values = mean.sel(kernel=kernel).values
        axis.set_title(kernel)
        if not np.isfinite(values).any():
            _note(axis, _NO_PHASE)
            continue
        limit = float(np.nanmax(np.abs(values))) or 1.0
        frame = pd.DataFrame(
            values,
            index=pd.Index([f"{h * 1e9:g}" for h in mean["height"].values], name="height (nA)"),
            columns=pd.Index([f"{w * 1e3:g}" for w in mean["width"].values], name="width (ms)"),
        )
        sns.heatmap(frame.iloc[::-1], ax=axis, cmap="RdBu_r", vmin=-limit, vmax=limit,
                    annot=True, fmt=".2g", annot_kws={"size": 6},
                    cbar_kws={"label": "phase advance (cycles)"})
    for axis in list(axes.flat)[len(kernels):]:
        axis.set_visible(False)
    return figure


def plot_charge_comparison(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Extra spikes against charge per pulse: a line per (kernel, width), never averaged
    across widths, with 95 % confidence bands over pulses (the equal-charge comparison)."""
    table = response_table(responses)
    table = table[table["charge per pulse (pC)"] != 0].sort_values("charge per pulse (pC)")
    figure, axis = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    sns.lineplot(data=table, x="charge per pulse (pC)", y="extra spikes", hue="kernel",
                 style="width (ms)", markers=True, dashes=False, ax=axis, **_CI)
    _symlog(axis, table["charge per pulse (pC)"])
    axis.legend(fontsize="x-small", ncols=2, frameon=False)
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
    if not np.isfinite(table["phase at pulse onset (cycles)"]).any():
        figure, axis = plt.subplots(figsize=(5.0, 3.0), constrained_layout=True)
        _note(axis, _NO_PHASE)
        return figure
    grid = sns.relplot(
        data=table, x="phase at pulse onset (cycles)", y="phase advance (cycles)",
        col="kernel", col_wrap=min(3, table["kernel"].nunique()), kind="scatter",
        hue="seed", palette="deep", height=3.0, aspect=1.1,
    )
    grid.set(xlim=(0, 1))
    grid.set_titles("{col_name}" + f", h = {height:g} nA, w = {width:g} ms")
    return grid.figure


def plot_strength_duration(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Height needed to reach the criterion against width, per kernel, on log-log axes;
    mean and 95 % confidence interval over seeds (each seed's threshold is interpolated
    from its grid)."""
    metric, value = criterion(config)
    heights = criterion_heights(responses, metric, value)
    table = (heights * 1e9).rename("threshold height (nA)").to_dataframe().reset_index()
    table["width (ms)"] = table["width"] * 1e3
    table = table[np.isfinite(table["threshold height (nA)"])]
    figure, axis = plt.subplots(figsize=(5.5, 4.0), constrained_layout=True)
    if table.empty:
        _note(axis, f"no height on the grid reaches a mean {metric} of {value:g}")
        return figure
    sns.lineplot(data=table, x="width (ms)", y="threshold height (nA)", hue="kernel",
                 marker="o", ax=axis, **_CI)
    axis.set(xscale="log", yscale="log",
             title=f"height for a mean {metric.replace('_', ' ')} of {value:g}")
    return figure


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
    (plot_extra_spikes, plot_spike_advance, plot_phase_advance_heatmaps, plot_charge_comparison,
     plot_phase_response, plot_strength_duration),
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
