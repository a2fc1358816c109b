"""The simulation dataset: one netCDF file per job, and its data contract.

Dimensions and variables (all physical quantities in SI units with ``units`` and
``long_name`` attributes):

- ``point``: coordinates ``kernel``, ``height`` (A), ``width`` (s), ``seed``;
- ``(point, neuron)``: ``tau`` (s), ``v_threshold``, ``v_reset``, ``v_initial`` (V),
  ``resistance`` (ohm), ``spike_count``;
- ``spike``: ``spike_time`` (s; float64 for the ``precise`` method, whose spikes fall
  between grid points; for Brian2's methods, on the grid, stored as integer time steps
  with a ``scale_factor``, so it is exact and compact), ``spike_neuron``, ``spike_point``,
  train by train: by point, then neuron, then time, so that a neuron's spikes are the
  next ``spike_count`` entries;
- ``pulse``: ``pulse_time`` (s), ``pulse_neuron``, ``pulse_point``;
- scalars ``dt``, ``duration``, ``bias_current``, ``refractory_period``.

Global attributes carry the resolved config, its SHA-256, the seeds and the versions of
the software that made the file.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from pulsesweep import __version__
from pulsesweep.config import config_sha256, config_text
from pulsesweep.files import atomic_output
from pulsesweep.grid import GridPoint
from pulsesweep.population import NeuronParameters
from pulsesweep.recording import SpikeTrains
from pulsesweep.schedule import PulseSchedule

__all__ = [
    "NEURON_VARIABLES",
    "netcdf_encoding",
    "provenance",
    "simulation_dataset",
    "write_netcdf_atomically",
]

#: Per-neuron parameters in every simulation file: units and long name.
NEURON_VARIABLES = {
    "tau": ("s", "membrane time constant"),
    "v_threshold": ("V", "firing threshold"),
    "v_reset": ("V", "reset potential"),
    "v_initial": ("V", "initial membrane potential"),
    "resistance": ("ohm", "membrane resistance (tau / C)"),
}
_INDEX = {"units": "1"}


def provenance(config: Mapping[str, Any]) -> dict[str, str]:
    """Global attributes that say what made a file: config, its hash, versions."""
    versions = {
        f"{package.lower()}_version": metadata.version(package)
        for package in ("Brian2", "numpy", "xarray", "netCDF4")
    }
    return {
        "pulsesweep_version": __version__,
        "config": config_text(config),
        "config_sha256": config_sha256(config),
        **versions,
        "python_version": platform.python_version(),
    }


def _point_coordinates(points: Sequence[GridPoint]) -> dict[str, tuple[str, Any, dict[str, Any]]]:
    return {
        "kernel": (
            "point",
            np.array([p.kernel for p in points], dtype=object),
            {"long_name": "pulse kernel"},
        ),
        "height": (
            "point",
            np.array([p.height for p in points]),
            {"units": "A", "long_name": "pulse height"},
        ),
        "width": (
            "point",
            np.array([p.width for p in points]),
            {"units": "s", "long_name": "pulse width"},
        ),
        "seed": (
            "point",
            np.array([p.seed for p in points], dtype=np.int64),
            {"long_name": "random seed of neurons, initial potentials and schedule"},
        ),
    }


def _pulse_variables(
    points: Sequence[GridPoint], schedules: Mapping[int, PulseSchedule]
) -> dict[str, tuple[str, Any, dict[str, Any]]]:
    times = [schedules[p.seed].times for p in points]
    return {
        "pulse_time": (
            "pulse",
            np.concatenate(times),
            {"units": "s", "long_name": "pulse onset (peak, for gaussian)"},
        ),
        "pulse_neuron": (
            "pulse",
            np.concatenate([schedules[p.seed].neurons for p in points]),
            {**_INDEX, "long_name": "index of the pulsed neuron within its point"},
        ),
        "pulse_point": (
            "pulse",
            np.repeat(np.arange(len(points)), [len(t) for t in times]),
            {**_INDEX, "long_name": "index along point of the pulse"},
        ),
    }


def _spike_variables(
    spikes: SpikeTrains, n_points: int, n_neurons: int
) -> dict[str, tuple[Any, Any, dict[str, Any]]]:
    # already train by train; int32 as stored, and faster to divide
    point, neuron = np.divmod(spikes.neurons.astype(np.int32), n_neurons)
    count = np.bincount(spikes.neurons, minlength=n_points * n_neurons).astype(np.int32)
    return {
        "spike_count": (
            ("point", "neuron"),
            count.reshape(n_points, n_neurons),
            {
                "units": "1",
                "long_name": "number of spikes of the neuron (its train: the next "
                "spike_count spikes, train by train)",
            },
        ),
        "spike_time": (
            "spike",
            spikes.times,
            {
                "units": "s",
                "long_name": "spike time (step start)" if spikes.on_grid else "spike time (exact)",
            },
        ),
        "spike_neuron": (
            "spike",
            neuron,
            {**_INDEX, "long_name": "index of the spiking neuron within its point"},
        ),
        "spike_point": (
            "spike",
            point,
            {**_INDEX, "long_name": "index along point of the spike"},
        ),
    }


def simulation_dataset(
    config: Mapping[str, Any],
    points: Sequence[GridPoint],
    blocks: Sequence[NeuronParameters],
    schedules: Mapping[int, PulseSchedule],
    spikes: SpikeTrains,
) -> xr.Dataset:
    """Assemble the dataset of one simulation job (see the module docstring)."""
    simulation = config["simulation"]
    dt = simulation["dt_ms"] * 1e-3
    n_neurons = blocks[0].n_neurons
    data_vars: dict[str, Any] = {
        name: (
            ("point", "neuron"),
            np.stack([getattr(b, name) for b in blocks]),
            {"units": units, "long_name": long_name},
        )
        for name, (units, long_name) in NEURON_VARIABLES.items()
    }
    data_vars |= _spike_variables(spikes, len(points), n_neurons)
    data_vars |= _pulse_variables(points, schedules)
    data_vars |= {
        "dt": ((), dt, {"units": "s", "long_name": "integration time step"}),
        "duration": ((), simulation["duration_s"], {"units": "s", "long_name": "simulated time"}),
        "bias_current": ((), blocks[0].bias_current, {"units": "A", "long_name": "bias current"}),
        "refractory_period": (
            (),
            blocks[0].refractory_period,
            {"units": "s", "long_name": "absolute refractory period"},
        ),
    }
    attrs = {
        "title": "pulsesweep simulation: current pulses into tonically firing LIF neurons",
        **provenance(config),
        "seeds": np.unique([p.seed for p in points]).astype(np.int64),
        "integration_method": simulation["method"],
        "codegen_target": simulation["target"],
    }
    return xr.Dataset(data_vars, coords=_point_coordinates(points), attrs=attrs)


def netcdf_encoding(dataset: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Compression for every variable.

    Spike times on the time grid (Brian2's integration methods) are stored as exact
    integer time steps; ``precise`` spike times, which fall between grid points, as
    float64 seconds, uncompressed: their low bytes are noise, so zlib saved 30 % of their
    size at three times the cost of the rest of a simulation's output (measured on a
    default job: 0.65 s of its 5 s; README, Performance).
    """
    encoding: dict[str, dict[str, Any]] = {
        str(name): {"zlib": True, "complevel": 1, "shuffle": True}
        for name in dataset.variables
        if dataset[name].ndim > 0 and dataset[name].dtype != object
    }
    for name in ("spike_neuron", "spike_point", "pulse_neuron", "pulse_point"):
        if name in encoding:
            encoding[name]["dtype"] = "int32"
    if "spike_time" in dataset and dataset.attrs.get("integration_method") == "precise":
        encoding["spike_time"] = {"zlib": False, "shuffle": False}
    elif "spike_time" in dataset:
        encoding["spike_time"] |= {
            "dtype": "int32",
            "scale_factor": float(dataset["dt"]),
            "_FillValue": -1,
        }
    return encoding


def write_netcdf_atomically(
    dataset: xr.Dataset, path: str | Path, encoding: Mapping[str, Any] | None = None
) -> Path:
    """Write ``dataset`` to a hidden temporary file beside ``path``, then rename it.

    A job killed while writing leaves only the hidden temporary file, which neither
    Snakemake nor the aggregator takes for a result.
    """
    with atomic_output(path) as partial:
        dataset.to_netcdf(partial, engine="netcdf4", encoding=encoding or netcdf_encoding(dataset))
    return Path(path)
