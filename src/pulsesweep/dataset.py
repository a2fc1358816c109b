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
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pulsesweep import __version__
from pulsesweep.config import config_sha256, config_text
from pulsesweep.files import atomic_output
from pulsesweep.grid import GridPoint
from pulsesweep.population import NeuronParameters
from pulsesweep.recording import SpikeTrains
from pulsesweep.schedule import PulseSchedule

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "NEURON_VARIABLES",
    "SimulationContents",
    "netcdf_encoding",
    "provenance",
    "simulation_contents",
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
    # already train by train: each neuron's point and index, repeated for its spikes
    count = np.bincount(spikes.neurons, minlength=n_points * n_neurons).astype(np.int32)
    point, neuron = np.divmod(np.arange(n_points * n_neurons, dtype=np.int32), n_neurons)
    point, neuron = np.repeat(point, count), np.repeat(neuron, count)
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


def simulation_contents(
    config: Mapping[str, Any],
    points: Sequence[GridPoint],
    blocks: Sequence[NeuronParameters],
    schedules: Mapping[int, PulseSchedule],
    spikes: SpikeTrains,
) -> SimulationContents:
    """Assemble the contents of one simulation job's file (see the module docstring)."""
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
    return SimulationContents(data_vars, _point_coordinates(points), attrs)


#: A variable as xarray takes it: dimensions, values and attributes.
Variable = tuple[str | tuple[str, ...], Any, dict[str, Any]]


@dataclass(frozen=True)
class SimulationContents:
    """A simulation file's variables, coordinates (on ``point``) and attributes.

    :meth:`write` writes them to netCDF with the netCDF4 library alone, as a job does
    (importing xarray and pandas would cost it most of a second); :meth:`to_dataset`
    makes them an xarray Dataset. Written by xarray with :func:`netcdf_encoding`, the
    Dataset gives the same file, as the tests check.
    """

    data_vars: Mapping[str, Variable]
    coords: Mapping[str, Variable]
    attrs: Mapping[str, Any]

    def to_dataset(self) -> xr.Dataset:
        import xarray as xr

        return xr.Dataset(self.data_vars, coords=self.coords, attrs=self.attrs)

    def write(self, path: str | Path) -> Path:
        """Write the file atomically (see :func:`write_netcdf_atomically`)."""
        import netCDF4

        variables = {**self.coords, **self.data_vars}
        shapes = {name: np.shape(values) for name, (_, values, _) in variables.items()}
        encoding = _encoding(
            {
                name: (len(shape), np.asarray(variables[name][1]).dtype)
                for name, shape in shapes.items()
            },
            self.attrs["integration_method"],
            float(self.data_vars["dt"][1]),
        )
        with atomic_output(path) as partial, netCDF4.Dataset(partial, "w") as file:
            for name, (dims, _, _) in variables.items():
                for dim, size in zip(_dims(dims), shapes[name], strict=True):
                    if dim not in file.dimensions:
                        file.createDimension(dim, size)
            for name, (dims, values, attrs) in variables.items():
                _write_variable(
                    file, name, _dims(dims), np.asarray(values), attrs, encoding.get(name, {})
                )
                if name in self.data_vars and "point" in _dims(dims):
                    file[name].setncattr("coordinates", " ".join(sorted(self.coords)))
            file.setncatts(self.attrs)
        return Path(path)


def _dims(dims: str | tuple[str, ...]) -> tuple[str, ...]:
    return (dims,) if isinstance(dims, str) else tuple(dims)


def _write_variable(
    file: Any,
    name: str,
    dims: tuple[str, ...],
    values: np.ndarray,
    attrs: Mapping[str, Any],
    encoding: Mapping[str, Any],
) -> None:
    """One variable, encoded as xarray encodes it (a ``scale_factor`` stores integers)."""
    dtype = str if values.dtype == object else np.dtype(encoding.get("dtype", values.dtype))
    floating = dtype is not str and np.issubdtype(dtype, np.floating)
    variable = file.createVariable(
        name,
        dtype,
        dims,
        zlib=encoding.get("zlib", False),
        complevel=encoding.get("complevel", 4),
        shuffle=encoding.get("shuffle", False),
        fill_value=encoding.get("_FillValue", np.nan if floating else None),  # as xarray
    )
    variable.set_auto_maskandscale(False)
    variable.setncatts(dict(attrs))
    if "scale_factor" in encoding:
        variable.setncattr("scale_factor", encoding["scale_factor"])
        values = np.around(values / encoding["scale_factor"])
    if values.ndim == 0:
        variable.assignValue(values)
    else:
        variable[:] = values if dtype is str else np.asarray(values, dtype=dtype)


def netcdf_encoding(dataset: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Compression for every variable.

    Spike times on the time grid (Brian2's integration methods) are stored as exact
    integer time steps; ``precise`` spike times, which fall between grid points, as
    float64 seconds, uncompressed: their low bytes are noise, so zlib saved 30 % of their
    size at three times the cost of the rest of a simulation's output (measured on a
    default job: 0.65 s of its 5 s; README, Performance). The indices (``spike_neuron``,
    ``spike_point``, ``pulse_neuron``, ``pulse_point``) are int32 (int16 would write
    faster, but overflow silently in a notebook's ``spike_point * n_neurons``).
    """
    dt = float(dataset["dt"]) if "dt" in dataset else None
    return _encoding(
        {
            str(name): (variable.ndim, variable.dtype)
            for name, variable in dataset.variables.items()
        },
        dataset.attrs.get("integration_method"),
        dt,
    )


def _encoding(
    variables: Mapping[str, tuple[int, np.dtype[Any]]], method: str | None, dt: float | None
) -> dict[str, dict[str, Any]]:
    """:func:`netcdf_encoding` of variables given by name as ``(ndim, dtype)``."""
    encoding: dict[str, dict[str, Any]] = {
        name: {"zlib": True, "complevel": 1, "shuffle": True}
        for name, (ndim, dtype) in variables.items()
        if ndim > 0 and dtype.kind != "O"
    }
    for name in ("spike_neuron", "spike_point", "pulse_neuron", "pulse_point"):
        if name in encoding:  # runs of one value, which zlib packs without shuffling
            encoding[name] |= {"dtype": "int32", "shuffle": False}
    if "spike_time" in encoding and method == "precise":
        encoding["spike_time"] = {"zlib": False, "shuffle": False}
    elif "spike_time" in encoding:
        encoding["spike_time"] |= {"dtype": "int32", "scale_factor": dt, "_FillValue": -1}
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
