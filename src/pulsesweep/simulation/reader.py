"""Reading simulation files: the whole file, checked against its contract, or its spike
trains one by one.

Spikes are stored train by train (:mod:`pulsesweep.simulation.file_format`): by point,
then neuron, then time, so that the train of neuron ``n`` of point ``p`` is the
``spike_count[p, n]`` spikes that follow those of every train before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pulsesweep.errors import InputError, SimulationFileError
from pulsesweep.model.neuron_model import LIF_MODEL
from pulsesweep.simulation.file_format import (
    MODEL_FILE_VARIABLES,
    POINT_COORDINATES,
    SIMULATION_VARIABLES,
)

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["open_simulation", "read_spike_trains"]

_MAKE = "`snakemake --cores N` (or `pulsesweep simulate`)"


def open_simulation(path: str | Path, skip: Sequence[str] = ()) -> xr.Dataset:
    """Load one simulation file fully (but the variables in ``skip``).

    Raises
    ------
    pulsesweep.errors.InputError
        Naming the file, if it is missing.
    pulsesweep.errors.SimulationFileError
        Naming the file, if it is unreadable or lacks a variable of the contract
        (:data:`~pulsesweep.simulation.file_format.SIMULATION_VARIABLES`), or if its
        spike counts do not add up to its spikes.
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
            dataset = dataset.drop_vars([name for name in skip if name in dataset]).load()
    except Exception as error:  # netCDF4 raises OSError, RuntimeError, ValueError, ...
        raise SimulationFileError(f"not a readable netCDF file ({error})", path) from error
    if missing:
        named = ", ".join(missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise SimulationFileError(f"not a pulsesweep simulation file: it lacks {named}", path)
    if dataset["spike_count"].sum() != dataset.sizes["spike"]:
        raise SimulationFileError("its spike counts do not add up to its spikes", path)
    return dataset


def read_spike_trains(path: str | Path) -> xr.DataArray:
    """Every neuron's spike train in a simulation file.

    Parameters
    ----------
    path
        A simulation file (``results/simulations/*.nc``).

    Returns
    -------
    xarray.DataArray
        Over ``(point, neuron)``, with the point's ``kernel``, ``height`` (A), ``width``
        (s) and ``seed`` as coordinates; each element is the neuron's spike times (s) as
        a numpy array, a view into the file's spikes (no copy). For example
        ``trains.isel(point=0, neuron=3).item()`` is one train, and
        ``trains.where(trains.seed == 0, drop=True)`` the points of seed 0.

    Examples
    --------
    >>> trains = read_spike_trains("results/simulations/kernel-all_height-all_width-1_seed-all.nc")
    >>> control = trains.where(trains.height == 0, drop=True)  # doctest: +SKIP
    """
    import xarray as xr

    dataset = open_simulation(path, skip=("spike_neuron", "spike_point"))
    counts = dataset["spike_count"].values
    ends = np.cumsum(counts.ravel())
    times = dataset["spike_time"].values
    trains = np.empty(counts.size, dtype=object)
    for index, (start, end) in enumerate(
        zip((ends - counts.ravel()).tolist(), ends.tolist(), strict=True)
    ):
        trains[index] = times[start:end]
    return xr.DataArray(
        trains.reshape(counts.shape),
        dims=("point", "neuron"),
        coords={name: dataset[name] for name in POINT_COORDINATES},
        name="spike_train",
        attrs={"units": "s", "long_name": "spike times of the neuron"},
    )
