"""Aggregate simulation files into one response dataset over (kernel, height, width, seed).

Files are opened one at a time, so thousands of them never sit in memory together. Each
seed's control is read first; every pulsed point is then measured pulse by pulse against
its seed's control (see :mod:`pulsesweep.analysis.responses`).
"""

from __future__ import annotations

import functools
import itertools
import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from pulsesweep.analysis.comparison import add_theory
from pulsesweep.analysis.response_file import ResponseGrid
from pulsesweep.analysis.responses import (
    SpikeTrainSet,
    began_while_firing,
    first_on_neuron,
    pulse_responses,
)
from pulsesweep.config.resolution import config_sha256, resolve_config
from pulsesweep.config.steps import STEPS
from pulsesweep.errors import SimulationFileError
from pulsesweep.model.kernels import get_kernel
from pulsesweep.outputs import write_netcdf_atomically
from pulsesweep.simulation.reader import open_simulation
from pulsesweep.simulation.spikes import trains_in_turn

__all__ = ["aggregate_responses", "aggregate_to_netcdf"]

logger = logging.getLogger(__name__)


def _check_made_by(dataset: xr.Dataset, config: Mapping[str, Any]) -> None:
    """Fail unless the file was simulated with the config keys that simulations read."""
    expected = config_sha256(STEPS["simulate"].params(config))
    if dataset.attrs.get("config_sha256") != expected:
        raise SimulationFileError(
            "simulated with another config than this one (its config_sha256 differs in "
            "the keys simulations read: network, pulses, simulation)"
        )


def _points(dataset: xr.Dataset) -> list[dict[str, Any]]:
    """Each point's grid values, read from the coordinates once."""
    columns = zip(
        dataset["kernel"].values,
        dataset["height"].values,
        dataset["width"].values,
        dataset["seed"].values,
        strict=True,
    )
    return [
        {"kernel": str(kernel), "height": float(height), "width": float(width), "seed": int(seed)}
        for kernel, height, width, seed in columns
    ]


def _spike_trains(times: np.ndarray, counts: np.ndarray, trains: np.ndarray) -> SpikeTrainSet:
    """Stored ``trains`` (of a file whose spikes ``times`` holds train after train,
    ``counts`` each) as a set of their own, numbered ``0 .. len(trains) - 1``: a copy, kept
    after the file (a seed's control)."""
    return SpikeTrainSet.from_counts(trains_in_turn(times, counts, trains), counts[trains])


def aggregate_responses(
    config: Mapping[str, Any],
    control_files: Sequence[str | Path],
    simulation_files: Sequence[str | Path],
    processes: int = 1,
) -> xr.Dataset:
    """Measure every pulse of every grid point against its seed's control.

    A seed's control is its height-0 point, from a control file or from the same file
    as the pulsed points. Control files are read first, one at a time; the simulation
    files then by ``processes`` forked workers side by side, each file read whole by one
    of them, its measurements merged in the files' order (the same dataset for any
    number of processes).

    Returns
    -------
    xarray.Dataset
        Means over usable pulses with dims (kernel, height, width, seed), per-pulse
        values with an extra ``pulse`` dim, and ``charge`` per (kernel, height, width).
    """
    config = STEPS["aggregate"].view(resolve_config(config))
    grid = ResponseGrid(config)
    controls: dict[int, SpikeTrainSet] = {}
    files = [*control_files, *simulation_files]
    measured = [_measure_path(path, config, controls) for path in control_files]
    with _Workers(config, controls, processes) as workers:
        for number, fills in enumerate([*measured, *workers.map(simulation_files)], 1):
            for method, arguments in fills:
                getattr(grid, method)(*arguments)
            logger.info(
                "aggregated %d of %d simulation files (%s)", number, len(files), files[number - 1]
            )
        return add_theory(grid.dataset(config), workers.starmap)


#: A measurement for the response grid: the name of its method, and the arguments.
_Fill = tuple[str, tuple[Any, ...]]


def _measure_path(
    path: str | Path, config: Mapping[str, Any], controls: dict[int, SpikeTrainSet]
) -> list[_Fill]:
    """The measurements of one file (adding its seeds' controls to ``controls``)."""
    try:
        return _measure_file(open_simulation(path), config, controls)
    except SimulationFileError as error:
        if error.path is not None:
            raise
        raise SimulationFileError(error.problem, path) from error


#: What forked workers inherit: the config and the control files' controls.
_INHERITED: dict[str, Any] = {}


def _measure_inherited(path: str | Path) -> list[_Fill] | str:
    """:func:`_measure_path` in a worker; a file's problem is returned, as its words."""
    try:
        return _measure_path(path, _INHERITED["config"], dict(_INHERITED["controls"]))
    except SimulationFileError as error:
        return error.problem


class _Workers:
    """The files measured by forked worker processes (or in this one, for one process)."""

    def __init__(
        self, config: Mapping[str, Any], controls: dict[int, SpikeTrainSet], processes: int
    ) -> None:
        self.config, self.controls, self.processes = config, controls, max(1, processes)
        self.pool: Any = None

    def __enter__(self) -> _Workers:
        if self.processes > 1:
            _INHERITED.update(config=self.config, controls=self.controls)
            self.pool = multiprocessing.get_context("fork").Pool(self.processes)
        return self

    def __exit__(self, *exception: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
        _INHERITED.clear()

    def starmap(self, function: Callable[..., Any], arguments: Iterable[tuple[Any, ...]]) -> Any:
        """``function`` of each of ``arguments``, in order, by the workers (or in this one)."""
        if self.pool is None:
            return itertools.starmap(function, arguments)
        return self.pool.starmap(function, arguments)

    def map(self, paths: Sequence[str | Path]) -> Iterator[list[_Fill]]:
        """Each file's measurements, in order, as they come."""
        if self.pool is None:
            yield from (_measure_path(path, self.config, self.controls) for path in paths)
            return
        for path, fills in zip(paths, self.pool.imap(_measure_inherited, paths), strict=True):
            if isinstance(fills, str):
                raise SimulationFileError(fills, path)
            yield fills


@dataclass(frozen=True)
class _File:
    """What the measurement reads of one simulation file, read once."""

    dataset: xr.Dataset
    points: list[dict[str, Any]]
    n_neurons: int
    pulse_point: np.ndarray
    pulse_time: np.ndarray
    pulse_neuron: np.ndarray
    times: np.ndarray
    counts: np.ndarray
    train: np.ndarray

    @classmethod
    def read(cls, dataset: xr.Dataset) -> _File:
        return cls(
            dataset,
            _points(dataset),
            dataset.sizes["neuron"],
            dataset["pulse_point"].values,
            dataset["pulse_time"].values,
            dataset["pulse_neuron"].values,
            dataset["spike_time"].values,
            dataset["spike_count"].values,
            dataset["train"].values,
        )

    def trains(self, trains: np.ndarray) -> SpikeTrainSet:
        """The stored ``trains``, copied (see :func:`_spike_trains`)."""
        return _spike_trains(self.times, self.counts, trains)

    def stored(self) -> SpikeTrainSet:
        """Every stored train, numbered as stored: a view of the file's spikes."""
        return SpikeTrainSet.from_counts(self.times, self.counts)


def _measure_file(
    dataset: xr.Dataset, config: Mapping[str, Any], controls: dict[int, SpikeTrainSet]
) -> list[_Fill]:
    """Measure every pulse of one file, vectorised: its controls first, then its pulses."""
    _check_made_by(dataset, config)
    window = config["analysis"]["window_ms"] * 1e-3
    duration = float(config["simulation"]["duration_s"])
    file = _File.read(dataset)
    return [
        *_measure_controls(file, window, duration, controls),
        *_measure_pulses(file, window, duration, controls),
    ]


def _measure_controls(
    file: _File, window: float, duration: float, controls: dict[int, SpikeTrainSet]
) -> list[_Fill]:
    """Each new seed's control: its trains, its schedule and its height-0 responses (a
    control against itself: every difference is exactly zero)."""
    fills: list[_Fill] = []
    parameters = [
        name
        for name, variable in file.dataset.data_vars.items()
        if set(variable.dims) <= {"point", "neuron"}
    ]
    for index, point in enumerate(file.points):
        if point["height"] != 0 or point["seed"] in controls:
            continue
        mask = file.pulse_point == index
        train = file.trains(file.train[index])  # the control's trains are its neurons
        controls[point["seed"]] = train
        neurons, times = file.pulse_neuron[mask], file.pulse_time[mask]
        zeros = np.zeros(mask.sum())
        first = first_on_neuron(neurons)
        anytime = np.full(mask.sum(), -np.inf)  # when the current begins: per kernel, below
        values = pulse_responses(
            train, neurons, train, neurons, times, zeros, window, duration, first, anytime
        )
        pulsed = file.dataset[parameters].isel(point=index, neuron=neurons)
        began = functools.partial(_began, train, neurons, times)
        fills.append(("fill_control", (point["seed"], values, (times, neurons), pulsed, began)))
    return fills


def _began(
    control: SpikeTrainSet, neurons: np.ndarray, onsets: np.ndarray, kernel: str, width: float
) -> np.ndarray:
    """Whether each pulse of ``kernel`` and ``width`` at ``onsets`` begins while its neuron
    fires (:func:`~pulsesweep.analysis.responses.began_while_firing`)."""
    return began_while_firing(control, neurons, onsets + get_kernel(kernel).start * width)


def _measure_pulses(
    file: _File, window: float, duration: float, controls: Mapping[int, SpikeTrainSet]
) -> list[_Fill]:
    """Every pulse of the file's pulsed points against its seed's control, seed by seed."""
    points, pulse_point = file.points, file.pulse_point
    pulsed = np.array([p["height"] != 0 for p in points], dtype=bool)[pulse_point]
    if not pulsed.any():
        return []
    seeds = np.array([p["seed"] for p in points])[pulse_point]
    missing = set(seeds[pulsed].tolist()) - set(controls)
    if missing:
        raise SimulationFileError(f"no control for seed {min(missing)}")
    leads = np.array([-get_kernel(p["kernel"]).response_onset * p["width"] for p in points])
    current_leads = np.array([-get_kernel(p["kernel"]).start * p["width"] for p in points])
    pulse_train = file.train[pulse_point, file.pulse_neuron].astype(np.int64)
    spikes = file.stored()
    # a pulse is its neuron's first in its point: the pulsed neuron, not its train, counts
    neuron_key = pulse_point.astype(np.int64) * file.n_neurons + file.pulse_neuron
    fills: list[_Fill] = []
    for seed in np.unique(seeds[pulsed]):
        mask = pulsed & (seeds == seed)
        values = pulse_responses(
            spikes,
            pulse_train[mask],
            controls[int(seed)],
            file.pulse_neuron[mask],
            file.pulse_time[mask],
            leads[pulse_point[mask]],
            window,
            duration,
            first_on_neuron(neuron_key[mask]),
            current_leads[pulse_point[mask]],
        )
        # each point's pulses, in schedule order: a stable sort by point, split where it changes
        order = np.argsort(pulse_point[mask], kind="stable")
        point_of, starts = np.unique(pulse_point[mask][order], return_index=True)
        for index, chosen in zip(point_of, np.split(order, starts[1:]), strict=True):
            of_point = {name: value[chosen] for name, value in values.items()}
            fills.append(("fill", (points[index], of_point)))
    return fills


def aggregate_to_netcdf(
    config: Mapping[str, Any],
    control_files: Sequence[str | Path],
    simulation_files: Sequence[str | Path],
    output: str | Path,
    processes: int = 1,
) -> Path:
    """Aggregate and write ``responses.nc`` atomically (the Snakemake rule's function),
    compressed as every file of pulsesweep (:func:`~pulsesweep.outputs.compression`)."""
    dataset = aggregate_responses(config, control_files, simulation_files, processes)
    return write_netcdf_atomically(dataset, output)
