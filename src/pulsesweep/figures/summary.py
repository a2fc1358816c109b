"""The response figures' statistics: the mean of each metric over the usable pulses of
every (kernel, height, width), with its bootstrapped 95 % confidence interval, computed
kernel by kernel, so that a figure holds one kernel's pulses at a time and then one row
per grid cell, never a table of every pulse of the sweep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes

from pulsesweep.figures.style import METRIC_COLUMNS, bootstrap_intervals

__all__ = ["response_summary", "summary_lines"]

#: Confidence bands are drawn as seaborn draws them.
_BAND_ALPHA = 0.2


def _cells(kernel: str, cell: xr.Dataset, metrics: Sequence[str]) -> pd.DataFrame:
    """One kernel's rows: per (height, width) and metric, the mean, the interval and the
    number of pulses (usable, with a finite value) behind them."""
    usable = cell["pulse_usable"].transpose("height", "width", "seed", "pulse").values.astype(bool)
    heights, widths = np.meshgrid(cell["height"].values, cell["width"].values, indexing="ij")
    charge = cell["charge"].transpose("height", "width").values
    tables = []
    for metric in metrics:
        name, scale = METRIC_COLUMNS[metric]
        values = cell[name].transpose("height", "width", "seed", "pulse").values * scale
        samples = []
        for h, w in np.ndindex(heights.shape):
            chosen = values[h, w][usable[h, w]]
            samples.append(chosen[np.isfinite(chosen)])
        means = [sample.mean() if len(sample) else np.nan for sample in samples]
        statistics = np.column_stack(  # mean, low, high, pulses
            [means, bootstrap_intervals(samples), [len(sample) for sample in samples]]
        ).reshape(*heights.shape, 4)
        columns = {"mean": 0, "low": 1, "high": 2, "pulses": 3}
        table = pd.DataFrame(
            {
                "kernel": kernel,
                "height (nA)": heights.ravel() * 1e9,
                "width (ms)": widths.ravel() * 1e3,
                "charge per pulse (pC)": charge.ravel() * 1e12,
                "metric": metric,
                **{key: statistics[..., k].ravel() for key, k in columns.items()},
            }
        )
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def response_summary(
    responses: xr.Dataset, metrics: Sequence[str] = tuple(METRIC_COLUMNS)
) -> pd.DataFrame:
    """Per (kernel, height, width) and each of ``metrics`` (of
    :data:`~pulsesweep.figures.style.METRIC_COLUMNS`):
    the mean over usable pulses of all seeds, its bootstrapped 95 % confidence interval
    (``low``, ``high``; NaN from fewer than two pulses) and the number of pulses, in
    display units (nA, ms, pC). Read kernel by kernel (a lazily opened file loads one
    kernel's pulses at a time); cells without a finite value are left out."""
    names = ["pulse_usable", "charge", *(METRIC_COLUMNS[metric][0] for metric in metrics)]
    tables = []
    for kernel in responses["kernel"].values:
        cell = responses[names].sel(kernel=kernel).load()
        table = _cells(str(kernel), cell, metrics)
        tables.append(table[np.isfinite(table["mean"])])
    return pd.concat(tables, ignore_index=True)


def summary_lines(
    axis: Axes,
    summary: pd.DataFrame,
    x: str,
    metric: str,
    hue: str,
    palette: Mapping[Any, Any],
    **style: Any,
) -> None:
    """The means of ``metric`` against ``x``, a line per value of ``hue`` (and of
    ``style["style"]``, if given), with their confidence bands; ``style``: seaborn's line
    styles."""
    import seaborn as sns

    data = summary[summary["metric"] == metric].sort_values(x)
    lines = data.rename(columns={"mean": metric})
    sns.lineplot(
        data=lines, x=x, y=metric, hue=hue, palette=palette, ax=axis, errorbar=None, **style
    )
    groups = [hue, *([style["style"]] if "style" in style else [])]
    for key, rows in data.groupby(groups, sort=False):
        colour = palette[key[0] if isinstance(key, tuple) else key]
        axis.fill_between(
            rows[x], rows["low"], rows["high"], color=colour, alpha=_BAND_ALPHA, linewidth=0
        )
