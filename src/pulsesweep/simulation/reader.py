"""Reading simulation files: the whole file, checked against its contract, or its spike
trains, one or all.

Each distinct spike train is stored once (:mod:`pulsesweep.simulation.file_format`): a
contiguous ragged array of ``spike_count[k]`` spikes per stored train ``k``, train after
train, and ``train[p, n]``, the stored train of neuron ``n`` of point ``p``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from pulsesweep.errors import InputError, SimulationFileError
from pulsesweep.model.neuron_model import LIF_MODEL
from pulsesweep.simulation.file_format import (
    MODEL_FILE_VARIABLES,
    POINT_COORDINATES,
    SIMULATION_VARIABLES,
)
from pulsesweep.simulation.spikes import train_bounds

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["open_simulation", "read_spike_trains"]

_MAKE = "`snakemake --cores N` (or `pulsesweep simulate`)"


def open_simulation(path: str | Path) -> xr.Dataset:
    """Load one simulation file fully.

    Raises
    ------
    pulsesweep.errors.InputError
        Naming the file, if it is missing.
    pulsesweep.errors.SimulationFileError
        Naming the file, if it is unreadable or lacks a variable of the contract
        (:data:`~pulsesweep.simulation.file_format.SIMULATION_VARIABLES`), or if its
        spike counts do not add up to its spikes, or a neuron's train is not stored.
    """
    import xarray as xr

    if not Path(path).is_file():  # missing, not damaged: nothing to delete
        problem = "a directory, not a file" if Path(path).is_dir() else "no such file"
        raise InputError(path, problem, f"make it with {_MAKE}")
    try:
        with xr.open_dataset(path) as dataset:
            lif = dataset.attrs.get("neuron_model", LIF_MODEL) == LIF_MODEL
            contract = SIMULATION_VARIABLES if lif else MODEL_FILE_VARIABLES
            missing = [name for name in contract if name not in dataset.variables]
            dataset = dataset.load()
    except Exception as error:  # netCDF4 raises OSError, RuntimeError, ValueError, ...
        raise SimulationFileError(f"not a readable netCDF file ({error})", path) from error
    if missing:
        named = ", ".join(missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise SimulationFileError(f"not a pulsesweep simulation file: it lacks {named}", path)
    if dataset["spike_count"].sum() != dataset.sizes["spike"]:
        raise SimulationFileError("its spike counts do not add up to its spikes", path)
    trains = dataset["train"].values
    if trains.size and not 0 <= trains.min() <= trains.max() < dataset.sizes["distinct_train"]:
        raise SimulationFileError("a neuron's train index is not one of its stored trains", path)
    return dataset


@overload
def read_spike_trains(source: str | Path | xr.Dataset, point: int, neuron: int) -> np.ndarray: ...
@overload
def read_spike_trains(
    source: str | Path | xr.Dataset, point: int | None = None, neuron: None = None
) -> xr.DataArray: ...
def read_spike_trains(
    source: str | Path | xr.Dataset, point: int | None = None, neuron: int | None = None
) -> xr.DataArray | np.ndarray:
    """The spike trains of a simulation file: one neuron's, a point's, or all.

    Parameters
    ----------
    source
        A simulation file (``results/simulations/*.nc``), or its dataset.
    point, neuron
        Positions along ``point`` and ``neuron``. Given both, only that train is read
        from a file (milliseconds, whatever the file's size).

    Returns
    -------
    numpy.ndarray or xarray.DataArray
        With ``point`` and ``neuron``, the neuron's spike times (s). Otherwise every
        neuron's train (of ``point``, if given) over ``(point, neuron)`` (or ``neuron``),
        with the point's ``kernel``, ``height`` (A), ``width`` (s) and ``seed`` as
        coordinates; each element is a train as a numpy array, a view into the file's
        spikes (no copy: neurons that share a train share its array). For example
        ``trains.isel(point=0, neuron=3).item()`` is one train, and
        ``trains.where(trains.seed == 0, drop=True)`` the points of seed 0.

    Examples
    --------
    >>> path = "results/simulations/kernel-all_height-all_width-1_seed-all.nc"
    >>> first = read_spike_trains(path, point=0, neuron=3)  # doctest: +SKIP
    >>> trains = read_spike_trains(path)  # doctest: +SKIP
    >>> control = trains.where(trains.height == 0, drop=True)  # doctest: +SKIP
    """
    if point is not None and neuron is not None and isinstance(source, str | Path):
        return _read_one_train(source, point, neuron)  # neither xarray nor the other trains
    import xarray as xr

    dataset = source if isinstance(source, xr.Dataset) else open_simulation(source)
    if point is not None:
        dataset = dataset.isel(point=point)
    if neuron is not None:
        dataset = dataset.isel(neuron=neuron)
    times = dataset["spike_time"].values
    starts, ends = train_bounds(dataset["spike_count"].values)
    stored = [times[start:end] for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]
    index = dataset["train"].values
    trains = np.empty(index.size, dtype=object)
    trains[:] = [stored[k] for k in index.ravel().tolist()]
    if index.ndim == 0:
        return trains[0]  # type: ignore[no-any-return]
    return xr.DataArray(
        trains.reshape(index.shape),
        dims=dataset["train"].dims,
        coords={name: dataset[name] for name in POINT_COORDINATES},
        name="spike_train",
        attrs={"units": "s", "long_name": "spike times of the neuron"},
    )


def _read_one_train(path: str | Path, point: int, neuron: int) -> np.ndarray:
    """One neuron's train read from the file alone: its index, the counts, its spikes."""
    import netCDF4

    if not Path(path).is_file():
        raise InputError(path, "no such file", f"make it with {_MAKE}")
    try:
        with netCDF4.Dataset(path) as file:
            train = int(file["train"][point, neuron])
            starts, ends = train_bounds(np.asarray(file["spike_count"][: train + 1]))
            times: Any = file["spike_time"][int(starts[train]) : int(ends[train])]
            return np.asarray(times, dtype=np.float64)
    except (OSError, IndexError, KeyError, RuntimeError) as error:
        raise SimulationFileError(f"not a readable simulation file ({error})", path) from error
