"""The simulation dataset: one netCDF file per job, and its data contract.

Dimensions and variables (all physical quantities in SI units with ``units`` and
``long_name`` attributes):

- ``point``: coordinates ``kernel``, ``height`` (A), ``width`` (s), ``seed``;
- ``(point, neuron)``: ``train``, which stored spike train the neuron has, and the
  neurons' parameters: for the LIF ``tau`` (s), ``v_threshold``, ``v_reset``,
  ``v_initial`` (V), ``resistance`` (ohm); for a model of ``models:`` each heterogeneous
  parameter by its name and each initial value as ``<variable>_initial``, in their units;
- ``distinct_train``: ``spike_count``, the number of spikes of each stored train. Each
  different train is stored once: an unpulsed neuron of a seed has the same train at
  every point of the file (:mod:`pulsesweep.simulation.distinct`);
- ``spike``: ``spike_time`` (s; float64 for the ``precise`` method, whose spikes fall
  between grid points; for Brian2's methods, on the grid, stored as integer time steps
  with a ``scale_factor``, so it is exact and compact), train after train, each in time
  order: CF's contiguous ragged array (``spike_count`` has ``sample_dimension:
  spike``), so train ``k`` is the ``spike_count[k]`` spikes after those of the trains
  before it;
- ``pulse``: ``pulse_time`` (s), ``pulse_neuron``, ``pulse_point``;
- scalars ``dt``, ``duration``, ``bias_current``; for the LIF ``refractory_period`` and
  ``v_rest`` (every potential is absolute, the model integrating ``v - v_rest``), for a
  model of ``models:`` each shared parameter by its name.

Global attributes carry the resolved config, its SHA-256, the seeds, the versions of
the software that made the file, the neuron model (``neuron_model``) and where its spike
times lie (``spike_times``: exact, or on the time grid).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from pulsesweep.model.grid import GridPoint
from pulsesweep.model.population import ModelPopulation, NeuronParameters, Population
from pulsesweep.model.run import Run
from pulsesweep.model.schedule import PulseSchedule
from pulsesweep.outputs import atomic_output, compression, provenance, write_netcdf_atomically
from pulsesweep.simulation.deflate import write_deflated
from pulsesweep.simulation.spikes import SpikeTrains

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "FILE_DIMENSIONS",
    "LIF_ONLY",
    "MODEL_FILE_VARIABLES",
    "NEURON_VARIABLES",
    "POINT_COORDINATES",
    "SIMULATION_VARIABLES",
    "FileVariable",
    "SimulationContents",
    "netcdf_encoding",
    "simulation_contents",
    "write_simulation",
]

#: A variable as xarray takes it: dimensions, values and attributes.
Variable = tuple[str | tuple[str, ...], Any, dict[str, Any]]


@dataclass(frozen=True)
class FileVariable:
    """A variable of the simulation file: its dimensions, long name and units (and, for
    the count of a CF ragged array, the dimension it counts along)."""

    dims: tuple[str, ...]
    long_name: str
    units: str | None = None
    sample_dimension: str | None = None

    def attrs(self, long_name: str | None = None) -> dict[str, str]:
        """The variable's netCDF attributes (``long_name`` given: instead of the usual)."""
        units = {} if self.units is None else {"units": self.units}
        sample = (
            {} if self.sample_dimension is None else {"sample_dimension": self.sample_dimension}
        )
        return {**units, "long_name": long_name or self.long_name, **sample}


_POINT, _NEURON, _SPIKE, _PULSE = ("point",), ("point", "neuron"), ("spike",), ("pulse",)
_TRAIN = ("distinct_train",)
#: The file's dimensions.
FILE_DIMENSIONS = ("point", "neuron", "distinct_train", "spike", "pulse")

#: Per-neuron parameters in every simulation file: units and long name.
NEURON_VARIABLES = {
    "tau": ("s", "membrane time constant"),
    "v_threshold": ("V", "firing threshold"),
    "v_reset": ("V", "reset potential"),
    "v_initial": ("V", "initial membrane potential"),
    "resistance": ("ohm", "membrane resistance (tau / C)"),
}

#: The simulation file's contract: every variable the writer writes and the reader
#: requires (coordinates on ``point`` first), with its dimensions, long name and units.
SIMULATION_VARIABLES: dict[str, FileVariable] = {
    "kernel": FileVariable(_POINT, "pulse kernel"),
    "height": FileVariable(_POINT, "pulse height", "A"),
    "width": FileVariable(_POINT, "pulse width", "s"),
    "seed": FileVariable(_POINT, "random seed of neurons, initial potentials and schedule"),
    **{
        name: FileVariable(_NEURON, long_name, units)
        for name, (units, long_name) in NEURON_VARIABLES.items()
    },
    "train": FileVariable(_NEURON, "index along distinct_train of the neuron's spike train", "1"),
    "spike_count": FileVariable(_TRAIN, "number of spikes of the stored train", "1", "spike"),
    "spike_time": FileVariable(_SPIKE, "spike time (exact)", "s"),
    "pulse_time": FileVariable(_PULSE, "pulse onset (peak, for gaussian)", "s"),
    "pulse_neuron": FileVariable(_PULSE, "index of the pulsed neuron within its point", "1"),
    "pulse_point": FileVariable(_PULSE, "index along point of the pulse", "1"),
    "dt": FileVariable((), "integration time step", "s"),
    "duration": FileVariable((), "simulated time", "s"),
    "bias_current": FileVariable((), "bias current", "A"),
    "refractory_period": FileVariable((), "absolute refractory period", "s"),
    "v_rest": FileVariable((), "resting potential (every potential here is absolute)", "V"),
}
#: The variables of a LIF's file alone; a model of ``models:`` has its own instead.
LIF_ONLY = (*NEURON_VARIABLES, "refractory_period", "v_rest")
#: The contract of a file of a model of ``models:``: every variable but :data:`LIF_ONLY`.
MODEL_FILE_VARIABLES = {
    name: variable for name, variable in SIMULATION_VARIABLES.items() if name not in LIF_ONLY
}
#: Where the spikes of each kind of integration lie (the files' ``spike_times`` attribute).
SPIKE_TIMES = {
    True: "on the time grid: the start of the step at whose end the threshold was crossed "
    "(Brian2's integration methods)",
    False: "exact: the threshold crossing, off the time grid (the precise method)",
}
#: The coordinates on ``point``: each point's grid values.
POINT_COORDINATES = ("kernel", "height", "width", "seed")


def _variable(name: str, values: Any, long_name: str | None = None) -> Variable:
    """``values`` as the contract's variable ``name`` (dims and attributes)."""
    variable = SIMULATION_VARIABLES[name]
    return variable.dims, values, variable.attrs(long_name)


def _point_coordinates(points: Sequence[GridPoint]) -> dict[str, Variable]:
    return {
        "kernel": _variable("kernel", np.array([p.kernel for p in points], dtype=object)),
        "height": _variable("height", np.array([p.height for p in points])),
        "width": _variable("width", np.array([p.width for p in points])),
        "seed": _variable("seed", np.array([p.seed for p in points], dtype=np.int64)),
    }


def _pulse_variables(
    points: Sequence[GridPoint], schedules: Mapping[int, PulseSchedule]
) -> dict[str, Variable]:
    times = [schedules[p.seed].times for p in points]
    return {
        "pulse_time": _variable("pulse_time", np.concatenate(times)),
        "pulse_neuron": _variable(
            "pulse_neuron", np.concatenate([schedules[p.seed].neurons for p in points])
        ),
        "pulse_point": _variable(
            "pulse_point", np.repeat(np.arange(len(points)), [len(t) for t in times])
        ),
    }


def _spike_variables(
    spikes: SpikeTrains, index: NDArray[np.integer], n_points: int, n_neurons: int
) -> dict[str, Variable]:
    """The distinct trains as a contiguous ragged array, and each neuron's train."""
    count = np.bincount(spikes.neurons, minlength=int(index.max(initial=-1)) + 1)
    time_name = "spike time (step start)" if spikes.on_grid else None
    return {
        "train": _variable("train", np.asarray(index, np.int32).reshape(n_points, n_neurons)),
        "spike_count": _variable("spike_count", count.astype(np.int32)),
        "spike_time": _variable("spike_time", spikes.times, time_name),
    }


def _lif_variables(blocks: Sequence[NeuronParameters]) -> dict[str, Variable]:
    """The LIF's parameters: per neuron (potentials absolute), then shared."""
    data_vars = {
        name: _variable(name, np.stack([b.absolute(name) for b in blocks]))
        for name in NEURON_VARIABLES
    }
    return data_vars | {
        "refractory_period": _variable("refractory_period", blocks[0].refractory_period),
        "v_rest": _variable("v_rest", blocks[0].v_rest),
    }


def _model_variables(blocks: Sequence[ModelPopulation]) -> dict[str, Variable]:
    """A model's parameters: per neuron (initial values as ``<variable>_initial``), then
    shared, each in its unit."""
    first, data_vars = blocks[0], dict[str, Variable]()
    for name in first.per_neuron:
        values = np.stack([b.per_neuron[name] for b in blocks])
        attrs = {"units": first.units[name], "long_name": f"parameter {name} of the neuron"}
        data_vars[name] = (_NEURON, values, attrs)
    for name in first.initial:
        values = np.stack([b.initial[name] for b in blocks])
        attrs = {"units": first.units[name], "long_name": f"initial value of {name}"}
        data_vars[f"{name}_initial"] = (_NEURON, values, attrs)
    for name, value in first.shared.items():
        attrs = {"units": first.units[name], "long_name": f"parameter {name}"}
        data_vars[name] = ((), value, attrs)
    return data_vars


def simulation_contents(
    config: Mapping[str, Any],
    points: Sequence[GridPoint],
    blocks: Sequence[Population],
    schedules: Mapping[int, PulseSchedule],
    spikes: SpikeTrains,
    index: NDArray[np.integer],
) -> SimulationContents:
    """Assemble the contents of one simulation job's file (see the module docstring):
    ``spikes`` holds the distinct trains, ``index`` each global neuron's train."""
    simulation, run = config["simulation"], Run.from_config(config)
    lifs = [block for block in blocks if isinstance(block, NeuronParameters)]
    models = [block for block in blocks if isinstance(block, ModelPopulation)]
    data_vars = _lif_variables(lifs) if lifs else _model_variables(models)
    data_vars |= _spike_variables(spikes, index, len(points), blocks[0].n_neurons)
    data_vars |= _pulse_variables(points, schedules)
    data_vars |= {
        "dt": _variable("dt", run.dt),
        "duration": _variable("duration", simulation["duration_s"]),
        "bias_current": _variable("bias_current", blocks[0].bias_current),
    }
    model = config["network"]["model"]
    attrs = {
        "title": f"pulsesweep simulation: current pulses into tonically firing neurons ({model})",
        **provenance(config),
        "seeds": np.unique([p.seed for p in points]).astype(np.int64),
        "neuron_model": model,
        "integration_method": run.method,
        "spike_times": SPIKE_TIMES[spikes.on_grid],
        "codegen_target": simulation["target"],
    }
    return SimulationContents(data_vars, _point_coordinates(points), attrs)


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
            shapes["spike_time"][0],
        )
        deflated: dict[str, np.ndarray] = {}  # by deflate.write_deflated, after netCDF4
        with atomic_output(path) as partial:
            with netCDF4.Dataset(partial, "w") as file:
                for name, (dims, _, _) in variables.items():
                    for dim, size in zip(_dims(dims), shapes[name], strict=True):
                        if dim not in file.dimensions:
                            file.createDimension(dim, size)
                for name, (dims, values, attrs) in variables.items():
                    stored = _write_variable(
                        file, name, _dims(dims), np.asarray(values), attrs, encoding.get(name, {})
                    )
                    if stored is not None:
                        deflated[name] = stored
                    if name in self.data_vars and "point" in _dims(dims):
                        file[name].setncattr("coordinates", " ".join(sorted(self.coords)))
                file.setncatts(self.attrs)
            for name, stored in deflated.items():
                write_deflated(partial, name, stored)
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
) -> np.ndarray | None:
    """One variable, encoded as xarray encodes it (a ``scale_factor`` stores integers);
    one with chunks of its own, shuffled and compressed (``spike_time``), left unwritten
    and its values as stored returned, for :func:`.deflate.write_deflated`."""
    dtype = str if values.dtype == object else np.dtype(encoding.get("dtype", values.dtype))
    floating = dtype is not str and np.issubdtype(dtype, np.floating)
    variable = file.createVariable(
        name,
        dtype,
        dims,
        zlib=encoding.get("zlib", False),
        complevel=encoding.get("complevel", 4),
        shuffle=encoding.get("shuffle", False),
        chunksizes=encoding.get("chunksizes"),
        fill_value=encoding.get("_FillValue", np.nan if floating else None),  # as xarray
    )
    variable.set_auto_maskandscale(False)
    variable.setncatts(dict(attrs))
    if "scale_factor" in encoding:
        variable.setncattr("scale_factor", encoding["scale_factor"])
        values = np.around(values / encoding["scale_factor"])
    stored = values if dtype is str or values.ndim == 0 else np.asarray(values, dtype=dtype)
    if stored.ndim == 1 and all(encoding.get(k) for k in ("chunksizes", "zlib", "shuffle")):
        return stored
    if values.ndim == 0:
        variable.assignValue(values)
    else:
        variable[:] = stored
    return None


def netcdf_encoding(dataset: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Compression for every variable.

    Spike times on the time grid (Brian2's integration methods) are stored as exact
    integer time steps; ``precise`` spike times, which fall between grid points, as
    float64 seconds. Both are compressed (zlib level 1, shuffled): measured on a default
    job's 0.9 million precise spike times, 7.2 MB became 1.9 MB in 0.13 s of writing and
    0.08 s of reading (level 4: 1.7 MB, level 9: 1.6 MB, slower; unshuffled: 6.1 MB),
    in chunks of :data:`SPIKE_CHUNK` spikes. A job deflates those chunks itself, faster
    (:mod:`~pulsesweep.simulation.deflate`), into the same format.
    The indices (``train``, shuffled, and ``pulse_neuron``, ``pulse_point``, runs of one
    value that zlib packs unshuffled) are int32 (int16 would
    write faster, but overflow silently in a notebook's ``pulse_point * n_neurons``).
    """
    dt = float(dataset["dt"]) if "dt" in dataset else None
    return _encoding(
        {
            str(name): (variable.ndim, variable.dtype)
            for name, variable in dataset.variables.items()
        },
        dataset.attrs.get("integration_method"),
        dt,
        dataset.sizes.get("spike", 0),
    )


#: Spikes per compressed chunk of ``spike_time`` (2 MiB of float64): reading one train
#: decompresses the one or two chunks it lies in. Measured on a job's 21 million spikes:
#: a train read in 10 ms, where netCDF's own chunks (8 MiB here) took 30 ms, for a file
#: 6 % larger (45.7 MB, against 43.4 MB); 0.5 MiB chunks: 6 ms, but 26 % larger.
SPIKE_CHUNK = 2**18


def _encoding(
    variables: Mapping[str, tuple[int, np.dtype[Any]]],
    method: str | None,
    dt: float | None,
    spikes: int,
) -> dict[str, dict[str, Any]]:
    """:func:`netcdf_encoding` of variables given by name as ``(ndim, dtype)``, with
    ``spikes`` spikes."""
    encoding = compression(variables)
    if "spike_time" in encoding and spikes:
        encoding["spike_time"]["chunksizes"] = (min(SPIKE_CHUNK, spikes),)
    for name in ("pulse_neuron", "pulse_point"):
        if name in encoding:  # runs of one value, which zlib packs without shuffling
            encoding[name] |= {"dtype": "int32", "shuffle": False}
    if "spike_time" in encoding and method != "precise":
        encoding["spike_time"] |= {"dtype": "int32", "scale_factor": dt, "_FillValue": -1}
    return encoding


def write_simulation(dataset: xr.Dataset, path: str | Path) -> Path:
    """Write a simulation dataset with xarray, atomically, encoded as a job writes it
    (:func:`netcdf_encoding`): the same file as :meth:`SimulationContents.write`."""
    return write_netcdf_atomically(dataset, path, encoding=netcdf_encoding(dataset))
