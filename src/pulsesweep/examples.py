"""Example traces: what each kernel's pulse does to one neuron, beside its control.

The first pulse of the first seed is given, at the example height and width, with every
kernel; the pulsed neuron's pulse current and membrane potential are recorded at every
step, together with the same neuron in the unpulsed control.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from pulsesweep.config import resolve_config
from pulsesweep.dataset import provenance, write_netcdf_atomically
from pulsesweep.errors import ConfigError
from pulsesweep.grid import GridPoint
from pulsesweep.model import network_inputs
from pulsesweep.population import draw_neuron_parameters
from pulsesweep.schedule import make_schedule
from pulsesweep.steps import STEPS
from pulsesweep.stimulus import pulse_inputs, pulse_train

__all__ = ["example_traces", "examples_to_netcdf"]

#: Time shown before the pulse onset (s).
LEAD_TIME = 0.03


def example_traces(config: Mapping[str, Any]) -> xr.Dataset:
    """Simulate the example pulse with every kernel and its control; record the traces.

    Returns
    -------
    xarray.Dataset
        ``current`` (A) and ``potential`` (V) over (kernel, time), ``control_potential``
        (V) over time, with the time axis in s from ``t0 - 30 ms`` to ``t0 + window``.
    """
    config = STEPS["examples"].view(resolve_config(config))
    seed, figures = config["simulation"]["seeds"][0], config["figures"]
    schedule = make_schedule(config, seed)
    if not len(schedule):
        raise ConfigError("pulses", config["pulses"], "a schedule with at least one pulse")
    onset, neuron = float(schedule.times[0]), int(schedule.neurons[0])
    dt, kernels = config["simulation"]["dt_ms"] * 1e-3, config["sweep"]["kernels"]
    height, width = figures["example_height_nA"] * 1e-9, figures["example_width_ms"] * 1e-3
    stop = min(onset + config["analysis"]["window_ms"] * 1e-3, config["simulation"]["duration_s"])
    steps = math.ceil(stop / dt - 1e-9)
    points = [GridPoint(k, height, width, seed) for k in kernels]
    points.append(GridPoint(kernels[0], 0.0, width, seed))
    # The neurons are uncoupled: the pulsed neuron alone, once per kernel and once unpulsed.
    parameters = draw_neuron_parameters(config, seed).select(slice(neuron, neuron + 1))
    own = schedule.of_neuron(neuron)
    pulses = pulse_inputs(points, {seed: own}, 1, dt, steps)
    from pulsesweep.network import run_network  # imports brian2

    # Traces need a StateMonitor, so a compiled standalone target runs as numpy here.
    target, method = config["simulation"]["target"], config["simulation"]["method"]
    recording = run_network(
        network_inputs([parameters] * len(points), [p.height for p in points], pulses, method, dt),
        pulses.values(),
        dt,
        steps,
        method=method,
        target="numpy" if target == "cpp_standalone" else target,
        record_potential=range(len(points)),
    )
    shown = slice(max(0, round((onset - LEAD_TIME) / dt)), steps)
    trains = np.array([pulse_train(k, width, own.times, dt, steps) for k in kernels])
    current = parameters.bias_current + height * trains
    time = np.arange(steps)[shown] * dt
    return xr.Dataset(
        {
            "current": (
                ("kernel", "time"),
                current[:, shown],
                {"units": "A", "long_name": "input current of the pulsed neuron"},
            ),
            "potential": (
                ("kernel", "time"),
                recording.potential[:-1, shown],
                {"units": "V", "long_name": "membrane potential, pulsed"},
            ),
            "control_potential": (
                "time",
                recording.potential[-1, shown],
                {"units": "V", "long_name": "membrane potential, control"},
            ),
        },
        coords={
            "kernel": ("kernel", list(kernels), {"long_name": "pulse kernel"}),
            "time": ("time", time, {"units": "s", "long_name": "time"}),
        },
        attrs={
            "title": "pulsesweep example traces",
            **provenance(config),
            "pulse_onset": onset,
            "pulse_neuron": neuron,
            "seed": seed,
            "height": height,
            "width": width,
            "v_threshold": float(parameters.v_threshold[0]),
        },
    )


def examples_to_netcdf(config: Mapping[str, Any], output: str | Path) -> Path:
    """Simulate the example traces and write them atomically."""
    return write_netcdf_atomically(example_traces(config), output)
