"""Example traces: what each kernel's pulse does to one neuron, beside its control.

The first pulse of the first seed is given, at the example height and width, with every
kernel; the pulsed neuron's pulse current and membrane potential are recorded at every
step, together with the same neuron in the unpulsed control.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from pulsesweep.config.resolution import resolve_config
from pulsesweep.config.steps import STEPS
from pulsesweep.errors import ConfigError
from pulsesweep.model.grid import GridPoint
from pulsesweep.model.population import NeuronParameters, Population, draw_population
from pulsesweep.model.run import Run
from pulsesweep.model.schedule import PulseSchedule
from pulsesweep.model.stimulus import pulse_train
from pulsesweep.outputs import provenance, write_netcdf_atomically
from pulsesweep.simulation.job import seed_schedules, simulate_points

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["example_traces", "examples_to_netcdf"]

#: Time shown before the pulse onset (s).
LEAD_TIME = 0.03


@dataclass(frozen=True)
class _Example:
    """The example pulse: the first pulse of the first seed (under ``phase_scan``, the
    one at phase 1/2, mid-cycle), at the example height and width, into its neuron
    alone, simulated until its response window ends."""

    seed: int
    onset: float
    neuron: int
    height: float
    width: float
    run: Run

    @classmethod
    def of(cls, config: Mapping[str, Any], schedule: PulseSchedule) -> _Example:
        if not len(schedule):
            raise ConfigError("pulses", config["pulses"], "a schedule with at least one pulse")
        figures, run = config["figures"], Run.from_config(config)
        index = 0
        if config["pulses"]["schedule"] == "phase_scan":  # neuron j at phase j/n
            index = int(np.argmax(schedule.neurons == len(schedule) // 2))
        onset = float(schedule.times[index])
        stop = min(onset + config["analysis"]["window_ms"] * 1e-3, run.duration)
        steps = math.ceil(stop / run.dt - 1e-9)
        # Traces need a StateMonitor, so a compiled standalone target runs as numpy here.
        shortened = replace(run, duration=steps * run.dt)
        return cls(
            seed=config["simulation"]["seeds"][0],
            onset=onset,
            neuron=int(schedule.neurons[index]),
            height=figures["example_height_nA"] * 1e-9,
            width=figures["example_width_ms"] * 1e-3,
            run=shortened.on("numpy") if run.target == "cpp_standalone" else shortened,
        )


def example_traces(config: Mapping[str, Any]) -> xr.Dataset:
    """Simulate the example pulse with every kernel and its control; record the traces.

    Returns
    -------
    xarray.Dataset
        ``current`` (A) and ``potential`` (V) over (kernel, time), ``control_potential``
        (V) over time, with the time axis in s from ``t0 - 30 ms`` to ``t0 + window``.
    """
    config = STEPS["examples"].view(resolve_config(config))
    seed = config["simulation"]["seeds"][0]
    population = draw_population(config, seed)
    run = Run.from_config(config)
    numpy_run = run.on("numpy") if run.target == "cpp_standalone" else run
    schedule = seed_schedules(config, {seed: population}, numpy_run)[seed]
    example, kernels = _Example.of(config, schedule), config["sweep"]["kernels"]
    points = [GridPoint(k, example.height, example.width, seed) for k in kernels]
    points.append(GridPoint(kernels[0], 0.0, example.width, seed))
    # The neurons are uncoupled: the pulsed neuron alone, once per kernel and once unpulsed.
    neuron = slice(example.neuron, example.neuron + 1)
    parameters = population.select(neuron)
    own = schedule.of_neuron(example.neuron)
    recording, _, _ = simulate_points(
        config,
        points,
        {seed: parameters},
        {seed: own},
        example.run,
        record_potential=range(len(points)),
    )
    dt, steps = example.run.dt, example.run.n_steps
    trains = np.array([pulse_train(k, example.width, own.times, dt, steps) for k in kernels])
    current = parameters.bias_current + example.height * trains
    rest = parameters.v_rest if isinstance(parameters, NeuronParameters) else 0.0
    potential = recording.potential + rest  # absolute, as the files store it
    return _traces(config, example, current, potential, parameters)


def _traces(
    config: Mapping[str, Any],
    example: _Example,
    current: NDArray[np.float64],
    potential: NDArray[np.float64],
    parameters: Population,
) -> xr.Dataset:
    """The dataset of the traces, from :data:`LEAD_TIME` before the onset on."""
    import xarray as xr

    dt, steps = example.run.dt, example.run.n_steps
    shown = slice(max(0, round((example.onset - LEAD_TIME) / dt)), steps)
    kernels = list(config["sweep"]["kernels"])
    variables = {
        "current": (
            ("kernel", "time"),
            current[:, shown],
            "A",
            "input current of the pulsed neuron",
        ),
        "potential": (("kernel", "time"), potential[:-1, shown], "V", "membrane potential, pulsed"),
        "control_potential": ("time", potential[-1, shown], "V", "membrane potential, control"),
    }
    return xr.Dataset(
        {
            name: (dims, values, {"units": units, "long_name": long_name})
            for name, (dims, values, units, long_name) in variables.items()
        },
        coords={
            "kernel": ("kernel", kernels, {"long_name": "pulse kernel"}),
            "time": ("time", np.arange(steps)[shown] * dt, {"units": "s", "long_name": "time"}),
        },
        attrs={
            "title": "pulsesweep example traces",
            **provenance(config),
            "pulse_onset": example.onset,
            "pulse_neuron": example.neuron,
            "seed": example.seed,
            "height": example.height,
            "width": example.width,
            **_threshold(config, parameters),
        },
    )


def _threshold(config: Mapping[str, Any], parameters: Population) -> dict[str, Any]:
    """The attributes that say where the neuron fires: the LIF's threshold (V), or a
    model's threshold condition."""
    model = config["network"]["model"]
    if isinstance(parameters, NeuronParameters):
        threshold = float(parameters.absolute("v_threshold")[0])
        return {"neuron_model": model, "v_threshold": threshold}
    return {"neuron_model": model, "threshold": config["models"][model]["threshold"]}


def examples_to_netcdf(config: Mapping[str, Any], output: str | Path) -> Path:
    """Simulate the example traces and write them atomically."""
    return write_netcdf_atomically(example_traces(config), output)
