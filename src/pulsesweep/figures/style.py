"""Shared pieces of the figures: the per-pulse table, axes, notes and the theory style
(and the note that a model of ``models:`` has no theory)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import ArrayLike, NDArray

from pulsesweep.model.neuron_model import LIF_MODEL

__all__ = [
    "CI",
    "METRIC_COLUMNS",
    "NO_PHASE",
    "THEORY",
    "annotated_heatmap",
    "bootstrap_interval",
    "bootstrap_intervals",
    "has_theory",
    "heatmap_scale",
    "kernel_panels",
    "label_panels",
    "no_theory_note",
    "no_theory_text",
    "note",
    "palette_legend",
    "response_lines",
    "response_table",
    "scatter_by",
    "symlog",
    "width_palette",
]

#: Heat maps with more cells than this are not annotated.
MAX_ANNOTATED = 100
#: Scatter plots with more points than this draw them as an image inside SVG and PDF
#: (axes and text stay vector): one vector path per point makes files of tens of MB.
MAX_VECTOR_POINTS = 2000
#: Resamples per bootstrap interval, and how many values are resampled at once.
N_BOOT, _BLOCK = 1000, 2_000_000


def bootstrap_interval(values: ArrayLike, level: float = 95.0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean (1000 resamples, seed 0).

    What seaborn's ``errorbar=("ci", 95)`` computes, vectorised: seaborn resamples in a
    Python loop, which took a third of the figures' time. The resamples depend on the
    number of values only, so those of small samples are drawn once and reused.
    """
    values = np.asarray(values, dtype=np.float64)
    blocks = _resamples(len(values)) if len(values) <= _CACHED else _draw_resamples(len(values))
    means = np.concatenate([values[indices].mean(axis=1) for indices in blocks])
    low, high = np.percentile(means, [(100 - level) / 2, (100 + level) / 2])
    return float(low), float(high)


def _draw_resamples(n_values: int) -> list[NDArray[np.int64]]:
    """The indices of the :data:`N_BOOT` resamples of ``n_values`` values (seed 0), in
    blocks of at most ``_BLOCK`` indices."""
    rng = np.random.default_rng(0)
    per_block = max(1, _BLOCK // max(1, n_values))
    return [
        rng.integers(0, n_values, (min(per_block, N_BOOT - done), n_values))
        for done in range(0, N_BOOT, per_block)
    ]


#: Samples up to this size keep their resamples (8 sizes at most: 16 MB each).
_CACHED = 2000
_resamples = functools.lru_cache(maxsize=8)(_draw_resamples)


def bootstrap_intervals(
    samples: Sequence[NDArray[np.float64]], level: float = 95.0
) -> NDArray[np.float64]:
    """:func:`bootstrap_interval` of each sample (rows ``low, high``; NaN for a sample of
    fewer than two values), the same resamples, and every sample of one size at once:
    a resample's mean is a weighted sum of the sample, weighted by how often the
    resample drew each value, so the means of all of them are one matrix product.
    Equal to :func:`bootstrap_interval`'s but for the rounding of the sums."""
    intervals = np.full((len(samples), 2), np.nan)
    by_size: dict[int, list[int]] = {}
    for index, sample in enumerate(samples):
        if len(sample) > 1:
            by_size.setdefault(len(sample), []).append(index)
    for size, chosen in by_size.items():
        means = np.stack([samples[index] for index in chosen]) @ _resample_weights(size).T
        percentiles = [(100 - level) / 2, (100 + level) / 2]
        intervals[chosen] = np.percentile(means / size, percentiles, axis=1).T
    return intervals


@functools.lru_cache(maxsize=8)
def _resample_weights(n_values: int) -> NDArray[np.float64]:
    """How often each of the :data:`N_BOOT` resamples of ``n_values`` values (seed 0, as
    :func:`bootstrap_interval` draws them) drew each value: (N_BOOT, n_values)."""
    rows = []
    for block in _draw_resamples(n_values):
        offsets = np.arange(len(block))[:, None] * n_values
        counts = np.bincount((block + offsets).ravel(), minlength=block.size)
        rows.append(counts.reshape(len(block), n_values))
    return np.concatenate(rows).astype(np.float64)


#: Bootstrapped 95 % confidence intervals, seeded so the figures are reproducible.
CI = {"errorbar": bootstrap_interval}


def response_lines(
    axis: Axes, data: pd.DataFrame, x: str, y: str, hue: str, palette: Any, **style: Any
) -> None:
    """The mean of ``y`` against ``x``, a line per value of ``hue``, with its bootstrapped
    95 % confidence band over pulses (:data:`CI`); ``style``: seaborn's line styles."""
    import seaborn as sns

    sns.lineplot(data=data, x=x, y=y, hue=hue, palette=palette, ax=axis, **style, **CI)


#: How every "LIF theory" line is drawn.
THEORY: dict[str, Any] = {"color": "k", "linestyle": "--", "linewidth": 1.0, "label": "LIF theory"}


def _model(config: Mapping[str, Any]) -> str:
    """The name of the config's neuron model (``network.model``; ``lif`` by default)."""
    return str(config["network"].get("model", LIF_MODEL))


def has_theory(config: Mapping[str, Any]) -> bool:
    """Whether the figures draw theory: for the built-in LIF only, whose theory is that of
    the config's mean LIF neuron; a model of ``models:`` has none."""
    return _model(config) == LIF_MODEL


def no_theory_text(config: Mapping[str, Any]) -> str:
    """The note of a figure without theory: ``no theory for model <network.model>``."""
    return f"no theory for model {_model(config)}"


def no_theory_note(axis: Axes, config: Mapping[str, Any], **legend: Any) -> None:
    """``axis``'s legend of its labelled artists (none too), titled with
    :func:`no_theory_text`: where the LIF's figure has its theory, a model without theory
    says so. ``legend``: matplotlib's legend options (``loc`` is ``"best"``, which keeps
    the note off the data)."""
    handles, labels = axis.get_legend_handles_labels()
    axis.legend(handles, labels, title=no_theory_text(config), title_fontsize="x-small", **legend)


#: The metrics the figures draw: the column name (display units) and its variable and
#: scale in ``responses.nc``.
METRIC_COLUMNS = {
    "extra spikes": ("pulse_extra_spikes", 1.0),
    "first-spike latency (ms)": ("pulse_first_spike_latency", 1e3),
    "spike advance (ms)": ("pulse_spike_advance", 1e3),
    "phase advance (cycles)": ("pulse_phase_advance", 1.0),
}


def response_table(responses: xr.Dataset) -> pd.DataFrame:
    """Usable per-pulse responses as a long table, in display units (nA, ms, pC)."""
    names = [
        *(name for name, _ in METRIC_COLUMNS.values()),
        "pulse_phase",
        "pulse_usable",
        "charge",
    ]
    table = responses[names].to_dataframe().reset_index()
    table = table[table["pulse_usable"].astype(bool)].copy()
    table["height (nA)"] = table["height"] * 1e9
    table["width (ms)"] = table["width"] * 1e3
    table["charge per pulse (pC)"] = table["charge"] * 1e12
    for column, (name, scale) in METRIC_COLUMNS.items():
        table[column] = table[name] * scale
    table["phase at pulse onset (cycles)"] = table["pulse_phase"]
    return table


def symlog(axis: Axes, values: Sequence[float], which: str = "x") -> None:
    """A log scale; symmetric-log, linear within the smallest non-zero magnitude, where
    values are negative or zero too (heights may be negative: hyperpolarising pulses)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size and (finite > 0).all():
        getattr(axis, f"set_{which}scale")("log")
        return
    magnitudes = np.abs(finite[finite != 0])
    linear = float(magnitudes.min()) if magnitudes.size else 1.0
    getattr(axis, f"set_{which}scale")("symlog", linthresh=linear, linscale=0.5)


def heatmap_scale(values: ArrayLike) -> tuple[str, float, float]:
    """The colour map and limits of a heat map of ``values``: (cmap, vmin, vmax).

    Where every finite value has the same sign, a sequential map over the data's range
    (``viridis`` for values ≥ 0, ``viridis_r`` for values ≤ 0: brighter is larger in
    magnitude either way), from 0 where all values are equal; where signs are mixed, the
    diverging ``RdBu_r`` centred on 0, from ``-limit`` to ``limit`` (the largest
    magnitude). NaN and infinite values are ignored.
    """
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return "viridis", 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if low < 0 < high:
        limit = max(-low, high)
        return "RdBu_r", -limit, limit
    if low == high:  # a constant map: from 0 to its value (from 0 to 1 if it is 0)
        low, high = min(low, 0.0), max(high, 0.0) or 1.0
    return ("viridis" if low >= 0 else "viridis_r"), low, high


def annotated_heatmap(
    axis: Axes,
    values: NDArray[np.float64],
    rows: tuple[str, Sequence[str]],
    columns: tuple[str, Sequence[str]],
    label: str,
) -> None:
    """A heat map of ``values`` (first row at the bottom) on the colour scale of
    :func:`heatmap_scale`, each finite cell annotated to two significant digits in
    dark or white text by its colour's luminance (as seaborn's heatmap does, without
    redrawing the whole figure for every map), where there are at most
    :data:`MAX_ANNOTATED` cells (more are too small to read, and slow to draw).
    ``rows``, ``columns``: (name, labels)."""
    figure = axis.get_figure()
    cmap, vmin, vmax = heatmap_scale(values)
    mesh = axis.pcolormesh(
        np.where(np.isfinite(values), values, np.nan), cmap=cmap, vmin=vmin, vmax=vmax
    )
    for (row, column), value in np.ndenumerate(values if values.size <= MAX_ANNOTATED else []):
        if np.isfinite(value):
            red, green, blue, _ = mesh.to_rgba(np.array([value]))[0]
            luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
            colour = ".15" if luminance > 0.408 else "w"
            axis.text(
                column + 0.5,
                row + 0.5,
                f"{value:.2g}",
                ha="center",
                va="center",
                color=colour,
                size=6,
            )
    axis.set_yticks(np.arange(len(rows[1])) + 0.5, rows[1])
    axis.set_xticks(np.arange(len(columns[1])) + 0.5, columns[1])
    axis.set(ylabel=rows[0], xlabel=columns[0])
    axis.tick_params(length=0)
    for spine in axis.spines.values():
        spine.set_visible(False)
    if figure is not None:
        figure.colorbar(mesh, ax=axis, label=label)


def note(axis: Axes, text: str, blank: bool = True) -> None:
    """Say on a panel why it is empty; ``blank``: remove its ticks too (not on a panel
    that shares its axes with others, whose ticks it would remove as well)."""
    axis.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        wrap=True,
        fontsize="small",
        transform=axis.transAxes,
    )
    if blank:
        axis.set_xticks([])
        axis.set_yticks([])


NO_PHASE = (
    "phase metrics are undefined: the neurons do not fire tonically "
    "(for the LIF, R·I0 ≤ Vt), so they have no phase"
)


def kernel_panels(
    kernels: Sequence[str], height: float, aspect: float, legend_width: float = 1.2
) -> tuple[Figure, dict[str, Axes]]:
    """A panel per kernel, titled with its name, three to a row, sharing both axes (the
    layout of seaborn's ``relplot(col="kernel", col_wrap=3)``), with ``legend_width``
    inches on the right for a figure legend. Constrained layout, computed when the figure
    is drawn: relplot's tight layout and legend drew the whole figure four more times."""
    columns = min(3, len(kernels))
    rows = -(-len(kernels) // columns)
    figure, axes = plt.subplots(
        rows,
        columns,
        figsize=(height * aspect * columns + legend_width, height * rows),
        sharex=True,
        sharey=True,
        squeeze=False,
        constrained_layout=True,
    )
    for index, axis in enumerate(axes.flat):
        if index >= len(kernels):  # the panel above it shows the x axis instead
            axis.set_visible(False)
            axes.flat[index - columns].xaxis.set_tick_params(labelbottom=True)
    panels = dict(zip(kernels, axes.flat, strict=False))
    for kernel, axis in panels.items():
        axis.set_title(kernel)
    return figure, panels


def label_panels(panels: Mapping[str, Axes], x: str, y: str) -> None:
    """Axis labels on the panels at the bottom of each column and at the left of each row."""
    specs = {kernel: axis.get_subplotspec() for kernel, axis in panels.items()}
    for kernel, axis in panels.items():
        spec = specs[kernel]
        assert spec is not None  # panels of kernel_panels are subplots
        below = [
            other
            for other in specs.values()
            if other is not None
            and other.colspan == spec.colspan
            and other.rowspan.start > spec.rowspan.start
        ]
        axis.set_xlabel("" if below else x)
        axis.set_ylabel(y if spec.is_first_col() else "")


def scatter_by(
    axis: Axes,
    table: pd.DataFrame,
    xy: tuple[str, str],
    hue: tuple[str, Mapping[Any, Any]],
    **style: Any,
) -> None:
    """A scatter of ``table``'s columns ``xy``, coloured by column ``hue[0]`` through the
    palette ``hue[1]`` (value: colour): one call per colour, since matplotlib converts a
    list of colours one point at a time (seaborn's scatterplot spent most of its time so
    on large tables)."""
    column, palette = hue
    for value, colour in palette.items():
        rows = table[table[column] == value]
        axis.scatter(rows[xy[0]], rows[xy[1]], color=colour, **style)


#: The width palette's colour map, and the part of it used: plasma beyond 0.85 is a pale
#: yellow, hard to see on white.
WIDTH_COLOURS, WIDTH_RANGE = "plasma", (0.0, 0.85)


def width_palette(widths: ArrayLike) -> dict[float, tuple[float, float, float, float]]:
    """A colour per pulse width (ms), from dark blue to orange-yellow: the distinct widths,
    in order, spread evenly by rank over :data:`WIDTH_COLOURS` (perceptually ordered, so
    lightness grows with width), so that neighbouring widths differ as much as they can
    however the widths are spaced (spread by value, 0.5, 1 and 2 ms among widths up to
    20 ms would be three near-identical colours)."""
    levels = np.unique(np.asarray(widths, dtype=np.float64))
    levels = levels[np.isfinite(levels)]
    positions = np.linspace(*WIDTH_RANGE, len(levels))
    colours = colormaps[WIDTH_COLOURS](positions).tolist()
    return {
        float(level): (red, green, blue, alpha)
        for level, (red, green, blue, alpha) in zip(levels, colours, strict=True)
    }


def palette_legend(figure: Figure, palette: Mapping[Any, Any], title: str, **style: Any) -> None:
    """A figure legend of ``palette`` (value: colour), to the right of the panels."""
    handles = [Line2D([], [], color=colour, **style) for colour in palette.values()]
    labels = [f"{value:g}" if isinstance(value, float) else str(value) for value in palette]
    figure.legend(handles, labels, title=title, loc="outside right upper", frameon=False)
