"""Response-curve figures, drawn with seaborn from ``responses.nc`` and ``examples.nc``.

Every figure function takes the dataset (and the resolved config where it needs it) and
returns a matplotlib figure; :func:`save_figure` writes it atomically in each format.
Means are over usable pulses of all seeds, with bootstrapped 95 % confidence intervals
(seeded, so the figures are reproducible).
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import xarray as xr
from matplotlib.figure import Figure

from pulsesweep.comparison import charge_slope_theory, slow_pulse_theory
from pulsesweep.config import resolve_config
from pulsesweep.figure_names import RESPONSE_FIGURES, THEORY_FIGURES
from pulsesweep.files import atomic_output
from pulsesweep.plotting import (
    CI,
    NO_PHASE,
    THEORY,
    annotated_heatmap,
    kernel_panels,
    label_panels,
    note,
    palette_legend,
    response_table,
    symlog,
    width_palette,
)
from pulsesweep.steps import figure_step
from pulsesweep.theory_curves import theory_curves
from pulsesweep.theory_figures import (
    plot_phase_response,
    plot_strength_duration,
    plot_theory_residuals,
)

__all__ = [
    "FIGURES",
    "plot_examples",
    "save_figure",
    "write_figures",
]

logger = logging.getLogger(__name__)

_METADATA = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}


def _against_height(responses: xr.Dataset, metric: str, caption: str = "") -> Figure:
    table = response_table(responses)
    table = table[(table["height (nA)"] != 0) & np.isfinite(table[metric])]
    if table.empty:
        figure, axis = plt.subplots(figsize=(5.0, 3.0), constrained_layout=True)
        note(axis, f"no pulse has a finite {metric}")
        return figure
    palette = width_palette(table["width (ms)"])
    figure, panels = kernel_panels(list(table["kernel"].unique()), height=3.0, aspect=1.1)
    for kernel, axis in panels.items():
        sns.lineplot(
            data=table[table["kernel"] == kernel],
            x="height (nA)",
            y=metric,
            hue="width (ms)",
            palette=palette,
            marker="o",
            legend=False,
            ax=axis,
            **CI,
        )
        symlog(axis, table["height (nA)"])
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
            "the control neurons do not fire (R·I0 ≤ Vt), so nothing is advanced: "
            "latency of the evoked spikes from the pulse's start instead"
        ),
    )


def plot_phase_advance_heatmaps(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Mean phase advance over height x width, one heat map per kernel, each on its own
    symmetric colour scale (so a kernel's weak-pulse, linear regime is not washed out by
    another kernel's strongest cell), annotated to two significant digits (up to 100 cells a
    map)."""
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
        limit = float(np.nanmax(np.abs(values))) or 1.0
        annotated_heatmap(
            axis,
            values,
            ("height (nA)", [f"{h * 1e9:g}" for h in mean["height"].values]),
            ("width (ms)", [f"{w * 1e3:g}" for w in mean["width"].values]),
            limit,
            "phase advance (cycles)",
        )
    for axis in list(axes.flat)[len(kernels) :]:
        axis.set_visible(False)
    return figure


def plot_charge_comparison(responses: xr.Dataset, config: Mapping[str, Any]) -> Figure:
    """Phase advance and extra spikes against charge per pulse: a line per (kernel, width),
    never averaged across widths, with 95 % confidence bands over pulses (the equal-charge
    comparison), beside LIF theory: the small-charge slope of the phase advance, and the
    slow-pulse limit of the extra spikes for each kernel's widest pulse."""
    table = response_table(responses)
    table = table[table["charge per pulse (pC)"] != 0].sort_values("charge per pulse (pC)")
    kernels = list(responses["kernel"].values)
    colours = dict(zip(kernels, sns.color_palette(n_colors=len(kernels)), strict=True))
    figure, axes = plt.subplots(1, 2, figsize=(11.0, 4.5), constrained_layout=True)
    for axis, metric in zip(axes, ("phase advance (cycles)", "extra spikes"), strict=True):
        sns.lineplot(
            data=table,
            x="charge per pulse (pC)",
            y=metric,
            hue="kernel",
            palette=colours,
            style="width (ms)",
            markers=True,
            dashes=False,
            ax=axis,
            legend=axis is axes[1],
            **CI,
        )
        symlog(axis, table["charge per pulse (pC)"])
    slope = charge_slope_theory(config) * 1e-12  # cycles per pC
    low, high = table["charge per pulse (pC)"].min(), table["charge per pulse (pC)"].max()
    if np.isfinite(slope):  # over the data, up to a third of a cycle, where it is linear
        charges = np.linspace(min(low, 0.0), min(high, 1 / (3 * slope)), 400)
        axes[0].plot(charges, slope * charges, **{**THEORY, "label": "LIF theory: small charge"})
        axes[0].legend(fontsize="x-small", frameon=False)
    widest = float(responses["width"].max())
    heights = np.linspace(float(responses["height"].min()), float(responses["height"].max()), 200)
    for kernel in kernels:
        charge, extra = slow_pulse_theory(config, kernel, heights, widest)
        axes[1].plot(
            charge * 1e12,
            extra,
            **{
                **THEORY,
                "color": colours[kernel],
                "label": (f"LIF theory, slow pulse, {kernel}, w = {widest * 1e3:g} ms"),
            },
        )
    axes[1].legend(fontsize="xx-small", ncols=2, frameon=False)
    return figure


def plot_examples(examples: xr.Dataset, config: Mapping[str, Any] | None = None) -> Figure:
    """Per kernel: the pulse current above, the membrane potential against control below."""
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
    threshold = examples.attrs["v_threshold"] * 1e3
    for column, kernel in enumerate(kernels):
        top, bottom = axes[0, column], axes[1, column]
        top.plot(time, examples["current"].sel(kernel=kernel).values * 1e9, color="C3")
        top.set_title(kernel)
        bottom.plot(time, examples["control_potential"].values * 1e3, color="0.6", label="control")
        bottom.plot(
            time, examples["potential"].sel(kernel=kernel).values * 1e3, color="C0", label="pulsed"
        )
        bottom.axhline(threshold, color="k", lw=0.5, ls=":")
        bottom.set_xlabel("time (ms)")
    axes[0, 0].set_ylabel("current (nA)")
    axes[1, 0].set_ylabel("membrane potential (mV)")
    axes[1, 0].legend(frameon=False, fontsize="small")
    return figure


#: Figures drawn from responses.nc, by output name (names: pulsesweep.figure_names).
FIGURES: dict[str, Callable[[xr.Dataset, Mapping[str, Any]], Figure]] = dict(
    zip(
        RESPONSE_FIGURES,
        (
            plot_extra_spikes,
            plot_spike_advance,
            plot_phase_advance_heatmaps,
            plot_charge_comparison,
            plot_phase_response,
            plot_strength_duration,
            plot_theory_residuals,
        ),
        strict=True,
    )
)


def save_figure(figure: Figure, stem: str | Path, formats: Sequence[str]) -> list[Path]:
    """Write ``figure`` as ``stem.<format>`` for each format, atomically, then close it.

    SVG keeps its text as text, so labels stay editable in a vector editor. The layout is
    computed for the first format and kept for the others (constrained layout would
    otherwise measure every label again for each).
    """
    paths = []
    for number, extension in enumerate(formats):
        if number == 1 and figure.get_layout_engine() is not None:
            figure.set_layout_engine("none")
        path = Path(f"{stem}.{extension}")
        # SVG text stays text (editable labels); a fixed salt for SVG element ids makes SVG
        # files byte-for-byte reproducible (matplotlib salts them at random per process).
        with (
            atomic_output(path) as partial,
            plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "pulsesweep"}),
        ):
            figure.savefig(partial, dpi=200, metadata=_METADATA.get(extension))
        paths.append(path)
    plt.close(figure)
    return paths


def write_figures(
    config: Mapping[str, Any],
    source: str | Path,
    names: Sequence[str],
    directory: str | Path,
    processes: int = 1,
    theory: str | Path | None = None,
) -> list[Path]:
    """Draw figures ``names`` from ``source`` into ``directory``, in every configured format.

    The source is loaded once for all of them: ``examples.nc`` for ``example_traces``,
    ``responses.nc`` for the others (:data:`FIGURES`), so one call draws from one of the
    two. The theory lines come from ``theory`` (``theory_curves.nc``, see
    :mod:`pulsesweep.theory_curves`), computed here if it is not given. With
    ``processes > 1`` the figures are drawn by that many forked workers, which share the
    loaded data and the imports; each figure is the same as drawn alone.
    """
    if isinstance(names, str):
        raise TypeError(f"names must be a list of figure names, not the string {names!r}")
    steps = {figure_step(name) for name in names}
    if len(steps) != 1:
        raise ValueError(
            "example_traces comes from examples.nc, the other figures from "
            "responses.nc: draw them in separate calls"
        )
    logger.info("drawing %d figure(s) from %s, %d at a time", len(names), source, processes)
    config = resolve_config(config)
    dataset = _load(source)
    if set(THEORY_FIGURES) & set(names):
        curves = _load(theory) if theory else theory_curves(config)
        dataset = xr.merge([dataset, curves], join="exact", combine_attrs="override")
    draw = functools.partial(_draw, dataset, steps.pop().view(config), Path(directory))
    if processes <= 1 or len(names) <= 1:
        return [path for name in names for path in draw(name)]
    context = multiprocessing.get_context("fork")
    slowest_first = sorted(names, key=_DRAWING_ORDER.index)  # the workers end together
    with ProcessPoolExecutor(min(processes, len(names)), mp_context=context) as pool:
        drawn = dict(zip(slowest_first, pool.map(draw, slowest_first), strict=True))
    return [path for name in names for path in drawn[name]]


#: Every figure, the slowest to draw first (measured on the default sweep).
_DRAWING_ORDER = [
    "extra_spikes_vs_charge",
    "spike_advance_vs_height",
    "extra_spikes_vs_height",
    "phase_advance_heatmaps",
    "phase_response_curve",
    "example_traces",
    "theory_residuals",
    "strength_duration",
]


def _load(path: str | Path) -> xr.Dataset:
    with xr.open_dataset(path) as dataset:
        return dataset.load()


def _draw(dataset: xr.Dataset, config: Mapping[str, Any], directory: Path, name: str) -> list[Path]:
    started = time.perf_counter()
    draw = plot_examples if name == "example_traces" else FIGURES[name]
    with sns.axes_style("ticks"):
        figure = draw(dataset, config)
    paths = save_figure(figure, directory / name, config["figures"]["formats"])
    logger.info("drew %s in %.1f s", name, time.perf_counter() - started)
    return paths
