"""Aggregate simulation files into one response dataset over (kernel, height, width, seed).

Files are opened one at a time, so thousands of them never sit in memory together. Each
seed's control is read first; every pulsed point is then measured pulse by pulse against
its seed's control (see :mod:`pulsesweep.responses`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from pulsesweep.comparison import add_theory
from pulsesweep.config import config_sha256, resolve_config
from pulsesweep.dataset import NEURON_VARIABLES, provenance, write_netcdf_atomically
from pulsesweep.errors import SimulationFileError
from pulsesweep.kernels import get_kernel
from pulsesweep.recording import trains_in_turn
from pulsesweep.responses import PulseResponse, SpikeTrainSet, first_on_neuron, pulse_responses
from pulsesweep.steps import STEPS

__all__ = ["aggregate_responses", "aggregate_to_netcdf", "open_simulation"]

logger = logging.getLogger(__name__)

_REQUIRED = (
    "spike_time",
    "spike_count",
    "spike_neuron",
    "spike_point",
    "pulse_time",
    "pulse_neuron",
    "pulse_point",
    "duration",
    "kernel",
    "height",
    "width",
    "seed",
    "tau",
    "v_threshold",
    "v_reset",
    "resistance",
    "v_initial",
    "bias_current",
    "refractory_period",
)

_METRICS = {
    "extra_spikes": ("1", "extra spikes in the response window"),
    "rate_change": ("Hz", "firing rate change in the response window"),
    "first_spike_latency": (
        "s",
        "latency of the first spike in the window, from the pulse's start",
    ),
    "spike_advance": ("s", "advance of the next spike against the control"),
    "phase_advance": ("1", "phase advance against the control (cycles)"),
}
#: Parameters of each pulsed neuron, per (seed, pulse), from its seed's control.
_NEURON = {
    name: (units, f"{long_name} of the pulsed neuron")
    for name, (units, long_name) in NEURON_VARIABLES.items()
}
_CONSTANTS = ("bias_current", "refractory_period")
_PER_PULSE = {
    **{name: (units, f"{long_name}, per pulse") for name, (units, long_name) in _METRICS.items()},
    "phase": ("1", "phase of the control neuron when the pulse arrived (cycles)"),
    "control_period": ("s", "firing period of the pulsed neuron in the control"),
}


def open_simulation(path: str | Path, skip: Sequence[str] = ()) -> xr.Dataset:
    """Load one simulation file fully (but the variables in ``skip``), or fail with its
    name if it is unreadable or not a pulsesweep simulation file."""
    try:
        with xr.open_dataset(path) as dataset:
            missing = [name for name in _REQUIRED if name not in dataset.variables]
            dataset = dataset.drop_vars([name for name in skip if name in dataset]).load()
    except Exception as error:  # netCDF4 raises OSError, RuntimeError, ValueError, ...
        raise SimulationFileError(f"not a readable netCDF file ({error})", path) from error
    if missing:
        raise SimulationFileError(
            f"not a pulsesweep simulation file: it lacks {', '.join(missing)}", path
        )
    if dataset["spike_count"].sum() != dataset.sizes["spike"]:
        raise SimulationFileError("its spike counts do not add up to its spikes", path)
    return dataset


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


def _spike_trains(
    times: np.ndarray, counts: np.ndarray, keep: np.ndarray, first: int = 0
) -> SpikeTrainSet:
    """The spike trains that ``keep`` marks (a mask over the file's trains, ``point *
    n_neurons + neuron``, whose spikes ``times`` holds train by train, ``counts`` each),
    numbered from ``first`` on: a control's point's first train, so that its trains are
    its neurons. The others are left empty: only pulsed neurons' trains are searched."""
    kept = np.flatnonzero(keep)
    last = int(kept[-1]) + 1 if len(kept) else first
    selected = trains_in_turn(times, counts, kept)
    return SpikeTrainSet.from_counts(selected, np.where(keep, counts, 0)[first:last])


def aggregate_responses(
    config: Mapping[str, Any],
    control_files: Sequence[str | Path],
    simulation_files: Sequence[str | Path],
) -> xr.Dataset:
    """Measure every pulse of every grid point against its seed's control.

    Files are read one at a time, controls first. A seed's control is its height-0
    point, from a control file or from the same file as the pulsed points.

    Returns
    -------
    xarray.Dataset
        Means over usable pulses with dims (kernel, height, width, seed), per-pulse
        values with an extra ``pulse`` dim, and ``charge`` per (kernel, height, width).
    """
    config = STEPS["aggregate"].view(resolve_config(config))
    grid = _ResponseGrid(config)
    controls: dict[int, SpikeTrainSet] = {}
    files = [*control_files, *simulation_files]
    for number, path in enumerate(files, 1):
        try:
            # Spikes are stored train by train: spike_count says whose they are.
            dataset = open_simulation(path, skip=("spike_neuron", "spike_point"))
            _aggregate_file(dataset, config, grid, controls)
        except SimulationFileError as error:
            if error.path is not None:
                raise
            raise SimulationFileError(error.problem, path) from error
        logger.info("aggregated %d of %d simulation files (%s)", number, len(files), path)
    return add_theory(grid.dataset(config))


def _aggregate_file(
    dataset: xr.Dataset,
    config: Mapping[str, Any],
    grid: _ResponseGrid,
    controls: dict[int, SpikeTrainSet],
) -> None:
    """Measure every pulse of one file, vectorised: its controls first, then its pulses."""
    window = config["analysis"]["window_ms"] * 1e-3
    duration = float(config["simulation"]["duration_s"])
    _check_made_by(dataset, config)
    points, n_neurons = _points(dataset), dataset.sizes["neuron"]
    pulse_point = dataset["pulse_point"].values
    pulse_time, pulse_neuron = dataset["pulse_time"].values, dataset["pulse_neuron"].values
    pulse_train = pulse_point.astype(np.int64) * n_neurons + pulse_neuron
    n_trains = len(points) * n_neurons
    times, counts = dataset["spike_time"].values, dataset["spike_count"].values.ravel()
    for index, point in enumerate(points):
        if point["height"] == 0 and point["seed"] not in controls:
            mask = pulse_point == index
            keep = np.zeros(n_trains, dtype=bool)
            keep[index * n_neurons : (index + 1) * n_neurons] = True
            train = _spike_trains(times, counts, keep, index * n_neurons)
            controls[point["seed"]] = train
            neurons = pulse_neuron[mask]
            # A control against itself: every difference is exactly zero.
            values = pulse_responses(
                train,
                neurons,
                train,
                neurons,
                pulse_time[mask],
                np.zeros(mask.sum()),
                window,
                duration,
                first_on_neuron(neurons),
            )
            grid.fill_control(
                point["seed"],
                values,
                (pulse_time[mask], neurons),
                dataset.isel(point=index, neuron=neurons),
            )
    pulsed = np.array([p["height"] != 0 for p in points], dtype=bool)[pulse_point]
    if not pulsed.any():
        return
    seeds = np.array([p["seed"] for p in points])[pulse_point]
    missing = set(seeds[pulsed].tolist()) - set(controls)
    if missing:
        raise SimulationFileError(f"no control for seed {min(missing)}")
    leads = np.array([-get_kernel(p["kernel"]).response_onset * p["width"] for p in points])
    keep = np.zeros(n_trains, dtype=bool)
    keep[pulse_train[pulsed]] = True
    spikes = _spike_trains(times, counts, keep)
    for seed in np.unique(seeds[pulsed]):
        mask = pulsed & (seeds == seed)
        values = pulse_responses(
            spikes,
            pulse_train[mask],
            controls[int(seed)],
            pulse_neuron[mask],
            pulse_time[mask],
            leads[pulse_point[mask]],
            window,
            duration,
            first_on_neuron(pulse_train[mask]),
        )
        for index in np.unique(pulse_point[mask]):
            of_point = pulse_point[mask] == index
            grid.fill(points[index], {name: value[of_point] for name, value in values.items()})


class _ResponseGrid:
    """Per-pulse arrays over (kernel, height, width, seed, pulse), filled point by point."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        sweep = config["sweep"]
        self.kernels = list(sweep["kernels"])
        self.heights = [h * 1e-9 for h in sweep["heights_nA"]]
        self.widths = [w * 1e-3 for w in sweep["widths_ms"]]
        self.seeds = list(config["simulation"]["seeds"])
        self.values: dict[str, np.ndarray] = {}
        self.filled = np.zeros(
            (len(self.kernels), len(self.heights), len(self.widths), len(self.seeds)), dtype=bool
        )
        self.pulse_time: dict[int, np.ndarray] = {}
        self.pulse_neuron: dict[int, np.ndarray] = {}
        self.neurons: dict[int, dict[str, np.ndarray]] = {}
        self.constants: dict[str, float] = {}

    def _store(self, index: tuple[int, int, int, int], values: Mapping[str, np.ndarray]) -> None:
        if not self.values:
            shape = (*self.filled.shape, len(values["usable"]))
            self.values = {name: np.full(shape, np.nan) for name in PulseResponse.names()}
        for name in PulseResponse.names():
            self.values[name][index] = values[name]
        self.filled[index] = True

    def fill(self, point: Mapping[str, Any], responses: Mapping[str, np.ndarray]) -> None:
        index = (
            _find(self.kernels, point["kernel"]),
            _find(self.heights, point["height"]),
            _find(self.widths, point["width"]),
            _find(self.seeds, point["seed"]),
        )
        self._store(index, responses)

    def fill_control(
        self,
        seed: int,
        responses: Mapping[str, np.ndarray],
        schedule: tuple[np.ndarray, np.ndarray],
        pulsed: xr.Dataset,
    ) -> None:
        """The schedule of ``seed``, its pulsed neurons (``pulsed``: the control's values
        at each pulse's neuron), and its height-0 responses for every kernel and width."""
        self.pulse_time[seed], self.pulse_neuron[seed] = schedule
        self.neurons[seed] = {name: pulsed[name].values for name in _NEURON}
        self.constants = {name: float(pulsed[name]) for name in _CONSTANTS}
        if 0.0 not in self.heights:
            return
        for kernel, width in np.ndindex(len(self.kernels), len(self.widths)):
            self._store(
                (kernel, self.heights.index(0.0), width, _find(self.seeds, seed)), responses
            )

    def dataset(self, config: Mapping[str, Any]) -> xr.Dataset:
        if not self.filled.all():
            missing = np.argwhere(~self.filled)[0]
            raise SimulationFileError(
                f"no simulation covers kernel={self.kernels[missing[0]]}, "
                f"height={self.heights[missing[1]]} A, width={self.widths[missing[2]]} s, "
                f"seed={self.seeds[missing[3]]}"
            )
        return _response_dataset(self, config)


def _find(values: Sequence[Any], value: Any) -> int:
    """Where a file's grid value sits on the config's axis (floats to 1e-12)."""
    for index, candidate in enumerate(values):
        if candidate == value or (
            isinstance(value, float) and abs(candidate - value) <= 1e-12 * abs(value)
        ):
            return index
    raise SimulationFileError(f"grid value {value!r} is not in the config's sweep")


def _response_dataset(grid: _ResponseGrid, config: Mapping[str, Any]) -> xr.Dataset:
    window = config["analysis"]["window_ms"] * 1e-3
    dims = ("kernel", "height", "width", "seed")
    usable = grid.values["usable"].astype(bool)
    data: dict[str, Any] = {}
    for name, (units, long_name) in _PER_PULSE.items():
        data[f"pulse_{name}"] = (
            (*dims, "pulse"),
            grid.values[name],
            {"units": units, "long_name": long_name},
        )
    data["pulse_usable"] = (
        (*dims, "pulse"),
        usable,
        {"long_name": "first pulse on its neuron, with its window inside the run"},
    )
    for name, (units, long_name) in _METRICS.items():
        mean = np.nanmean(np.where(usable, grid.values[name], np.nan), axis=-1)
        data[name] = (dims, mean, {"units": units, "long_name": f"mean {long_name}"})
    charge = [
        [[get_kernel(k).window_charge(h, w, window) for w in grid.widths] for h in grid.heights]
        for k in grid.kernels
    ]
    for name, (units, long_name) in _NEURON.items():
        data[f"neuron_{name}"] = (
            ("seed", "pulse"),
            np.stack([grid.neurons[s][name] for s in grid.seeds]),
            {"units": units, "long_name": long_name},
        )
    data["bias_current"] = (
        (),
        grid.constants["bias_current"],
        {"units": "A", "long_name": "bias current"},
    )
    data["refractory_period"] = (
        (),
        grid.constants["refractory_period"],
        {"units": "s", "long_name": "absolute refractory period"},
    )
    coords = {
        "kernel": ("kernel", grid.kernels, {"long_name": "pulse kernel"}),
        "height": ("height", grid.heights, {"units": "A", "long_name": "pulse height"}),
        "width": ("width", grid.widths, {"units": "s", "long_name": "pulse width"}),
        "seed": ("seed", grid.seeds, {"long_name": "random seed"}),
        "charge": (
            dims[:3],
            np.array(charge),
            {"units": "C", "long_name": "charge per pulse delivered in the response window"},
        ),
        "pulse_time": (
            ("seed", "pulse"),
            np.stack([grid.pulse_time[s] for s in grid.seeds]),
            {"units": "s", "long_name": "pulse onset"},
        ),
        "pulse_neuron": (
            ("seed", "pulse"),
            np.stack([grid.pulse_neuron[s] for s in grid.seeds]),
            {"units": "1", "long_name": "index of the pulsed neuron"},
        ),
    }
    attrs = {
        "title": "pulsesweep responses to current pulses, against paired controls",
        **provenance(config),
        "window": window,
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def aggregate_to_netcdf(
    config: Mapping[str, Any],
    control_files: Sequence[str | Path],
    simulation_files: Sequence[str | Path],
    output: str | Path,
) -> Path:
    """Aggregate and write ``responses.nc`` atomically (the Snakemake rule's function)."""
    dataset = aggregate_responses(config, control_files, simulation_files)
    encoding = {str(name): {"zlib": True, "complevel": 4} for name in dataset.data_vars}
    return write_netcdf_atomically(dataset, output, encoding=encoding)
