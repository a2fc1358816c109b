"""The LIF theory curves of a config, computed once: what the figures draw beside the
measurement, and a file of its own (``theory_curves.nc``) for anyone to compare with.

They depend on the config alone (the mean neuron, the kernels, the grid's widths and
largest height, the criterion and the window), never on a simulation, so the workflow
computes them while the sweep is still being simulated:

- ``prc_theory`` (kernel, theory_phase): the mean neuron's phase advance at each onset
  phase, at the phase-response curve's height and width (:func:`prc_point`);
- ``threshold_height_theory`` (kernel, theory_width): the height that reaches the
  strength–duration criterion, on 12 widths spaced geometrically over the grid's.

A model of ``models:`` has no theory: its curves are NaN, and the file's ``theory``
attribute says so (the figures' captions too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from pulsesweep.analysis.comparison import prc_theory, threshold_theory
from pulsesweep.analysis.thresholds import criterion
from pulsesweep.config.resolution import resolve_config
from pulsesweep.config.steps import STEPS
from pulsesweep.model.neuron_model import LIF_MODEL
from pulsesweep.outputs import provenance, write_netcdf_atomically

__all__ = ["PRC_PHASES", "prc_point", "theory_curves", "theory_curves_to_netcdf"]

#: Onset phases of the theoretical phase-response curve.
PRC_PHASES = np.linspace(0, 1, 400, endpoint=False)
_THRESHOLD_WIDTHS = 12


def _middle(values: Sequence[float]) -> float:
    """The middle non-zero value of an axis."""
    ordered = sorted(value for value in values if value != 0)
    return ordered[(len(ordered) - 1) // 2]


def prc_point(config: Mapping[str, Any]) -> tuple[float, float]:
    """Height (nA) and width (ms) of the phase-response curve: ``figures.prc_height_nA``
    and ``figures.prc_width_ms``, by default the grid's middle non-zero height and width."""
    figures, sweep = config["figures"], config["sweep"]
    height = figures["prc_height_nA"] or _middle(sweep["heights_nA"])
    width = figures["prc_width_ms"] or _middle(sweep["widths_ms"])
    return float(height), float(width)


def _strength_duration_widths(config: Mapping[str, Any]) -> NDArray[np.float64]:
    """12 widths spaced geometrically over the grid's."""
    grid_widths = np.asarray(config["sweep"]["widths_ms"], dtype=np.float64) * 1e-3
    return np.geomspace(grid_widths.min(), grid_widths.max(), _THRESHOLD_WIDTHS)


def _strength_duration(
    config: Mapping[str, Any], metric: str, value: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The widths of the strength–duration curve, and each kernel's threshold height there."""
    widths = _strength_duration_widths(config)
    largest = max(config["sweep"]["heights_nA"]) * 1e-9
    thresholds = [
        threshold_theory(config, kernel, widths, metric, value, largest)
        if largest > 0
        else np.full(widths.shape, np.nan)
        for kernel in config["sweep"]["kernels"]
    ]
    return widths, np.asarray(thresholds)


def _curves(
    config: Mapping[str, Any], point: tuple[float, float], criterion: tuple[str, float]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The phase-response curve at ``point`` (height nA, width ms), the strength–duration
    widths and thresholds for ``criterion``; NaN curves for a model of ``models:``."""
    kernels, (height, width) = list(config["sweep"]["kernels"]), point
    if config["network"]["model"] != LIF_MODEL:
        widths = _strength_duration_widths(config)
        nan = np.full((len(kernels), len(PRC_PHASES)), np.nan)
        return nan, widths, np.full((len(kernels), len(widths)), np.nan)
    prc = [prc_theory(config, k, height * 1e-9, width * 1e-3, PRC_PHASES) for k in kernels]
    widths, thresholds = _strength_duration(config, *criterion)
    return np.array(prc), widths, thresholds


def theory_curves(config: Mapping[str, Any]) -> xr.Dataset:
    """The theory curves of ``config`` (see the module docstring), in SI units."""
    config = STEPS["theory_curves"].view(resolve_config(config))
    kernels = list(config["sweep"]["kernels"])
    height, width = prc_point(config)
    metric, value = criterion(config)
    model = config["network"]["model"]
    prc, widths, thresholds = _curves(config, (height, width), (metric, value))
    described_theory = (
        "LIF theory of the config's mean neuron"
        if model == LIF_MODEL
        else f"none: the model {model} has no theory here"
    )
    described = metric.replace("_", " ")
    return xr.Dataset(
        {
            "prc_theory": (
                ("kernel", "theory_phase"),
                prc,
                {"units": "1", "long_name": "LIF theory: phase advance (cycles)"},
            ),
            "threshold_height_theory": (
                ("kernel", "theory_width"),
                thresholds,
                {
                    "units": "A",
                    "long_name": f"LIF theory: height for a mean {described} of {value:g}",
                },
            ),
        },
        coords={
            "kernel": ("kernel", kernels, {"long_name": "pulse kernel"}),
            "theory_phase": (
                "theory_phase",
                PRC_PHASES,
                {"units": "1", "long_name": "onset phase"},
            ),
            "theory_width": ("theory_width", widths, {"units": "s", "long_name": "pulse width"}),
        },
        attrs={
            "title": "pulsesweep LIF theory curves",
            **provenance(config),
            "neuron_model": model,
            "theory": described_theory,
            "prc_height": height * 1e-9,
            "prc_width": width * 1e-3,
            "criterion_metric": metric,
            "criterion_value": value,
        },
    )


def theory_curves_to_netcdf(config: Mapping[str, Any], output: str | Path) -> Path:
    """Compute the theory curves of ``config`` and write them atomically."""
    return write_netcdf_atomically(theory_curves(config), output)
