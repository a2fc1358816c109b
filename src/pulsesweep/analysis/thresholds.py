"""Strength–duration: the pulse height that reaches a chosen response, per width.

The criterion is a metric and a value (``analysis.criterion_metric``,
``analysis.criterion_value``): by default a mean phase advance of 0.1 cycles when the
neurons fire tonically, and a mean of 0.5 extra spikes (half the pulses evoke a spike)
when they do not (``R I0 <= Vt``, where phase metrics are undefined). For each kernel,
width and seed, the height at which the mean response first reaches the value is
interpolated linearly between the two grid heights around the crossing; NaN where the
grid's largest height does not reach it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import xarray as xr

from pulsesweep.model.neuron_model import lif_rate

__all__ = ["Criterion", "criterion", "criterion_heights", "first_crossing"]

Criterion = tuple[Literal["phase_advance", "spike_advance", "extra_spikes"], float]

_DEFAULT_VALUES = {"phase_advance": 0.1, "spike_advance": 1e-3, "extra_spikes": 0.5}


def criterion(config: Mapping[str, Any], responses: xr.Dataset | None = None) -> Criterion:
    """The resolved criterion ``(metric, value)`` of a config (see the module docstring).

    A ``spike_advance`` value is given in ms in the config and returned in s. Where
    ``analysis.criterion_metric`` is null, a model of ``models:`` (whose firing no
    closed form gives) takes ``phase_advance`` if its controls in ``responses`` fire
    (a finite period), ``extra_spikes`` if they do not.
    """
    analysis = config["analysis"]
    metric = analysis["criterion_metric"]
    if metric is None:
        rate = lif_rate(config)
        if rate is None:  # a model of models: fires tonically if its controls do
            periods = None if responses is None else responses.get("pulse_control_period")
            rate = 1.0 if periods is None or np.isfinite(periods.values).any() else 0.0
        metric = "phase_advance" if rate > 0 else "extra_spikes"
    value = analysis["criterion_value"]
    if value is None:
        return metric, _DEFAULT_VALUES[metric]
    return metric, value * 1e-3 if metric == "spike_advance" else value


def first_crossing(heights: np.ndarray, values: np.ndarray, level: float) -> float:
    """The height where ``values`` (over increasing ``heights``) first reaches ``level``."""
    reached = np.flatnonzero(values >= level)
    if reached.size == 0:
        return np.nan
    k = reached[0]
    if k == 0:
        return float(heights[0])
    below, above = values[k - 1], values[k]
    return float(heights[k - 1] + (level - below) / (above - below) * (heights[k] - heights[k - 1]))


def criterion_heights(responses: xr.Dataset, metric: str, value: float) -> xr.DataArray:
    """Height (A) at which the mean ``metric`` reaches ``value``, over (kernel, width, seed).

    Only positive heights and the control (height 0) take part; NaN values of the metric
    (a grid point without usable pulses) are left out of the interpolation.
    """
    mean = responses[metric].sel(height=responses["height"] >= 0).sortby("height")

    def crossing(values: np.ndarray) -> float:
        finite = np.isfinite(values)
        return first_crossing(mean["height"].values[finite], values[finite], value)

    heights: xr.DataArray = xr.apply_ufunc(
        crossing, mean, input_core_dims=[["height"]], vectorize=True
    )
    return heights.assign_attrs(
        units="A",
        long_name=f"height at which the mean {metric.replace('_', ' ')} reaches {value:g}",
    )
