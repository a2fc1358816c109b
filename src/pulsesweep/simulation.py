"""Run one simulation job: a set of grid points simulated together in one network."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pulsesweep.config import load_config, n_steps, resolve_config
from pulsesweep.dataset import SimulationContents, simulation_contents
from pulsesweep.distinct import DistinctNeurons, distinct_neurons, most_distinct_neurons
from pulsesweep.grid import GridPoint, grid_points
from pulsesweep.model import NetworkInput, network_inputs
from pulsesweep.population import draw_neuron_parameters
from pulsesweep.recording import SpikeTrains
from pulsesweep.schedule import make_schedule
from pulsesweep.standalone import ModelShape, build_shape, run_simulator
from pulsesweep.steps import STEPS
from pulsesweep.stimulus import PulseInputs, pulse_inputs

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["build_cache", "ensure_build", "model_shape", "simulate", "simulate_to_netcdf"]

logger = logging.getLogger(__name__)


def model_shape(config: Mapping[str, Any], points: Sequence[GridPoint]) -> ModelShape:
    """The shape of the compiled model that simulates ``points``.

    Room for the most distinct neurons the points can have
    (:func:`pulsesweep.distinct.most_distinct_neurons`), and one pulse per pulse of the
    schedule and per (kernel, width, seed) of the pulsed points: every seed's schedule
    has the same length, so every job with the same axes shares one build.
    """
    pulsed = {(p.kernel, p.width, p.seed) for p in points if p.height != 0}
    schedule_length = len(make_schedule(config, points[0].seed))
    return ModelShape(
        n_neurons=most_distinct_neurons(points, config["network"]["n_neurons"], schedule_length),
        n_steps=n_steps(config),
        n_pulses=max(1, len(pulsed) * schedule_length),
        dt=config["simulation"]["dt_ms"] * 1e-3,
        method=config["simulation"]["method"],
    )


def build_cache() -> Path:
    """Where builds made outside the workflow are kept ($PULSESWEEP_BUILD_CACHE)."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pulsesweep"
    return Path(os.environ.get("PULSESWEEP_BUILD_CACHE", default))


def ensure_build(shape: ModelShape, cache: Path | None = None) -> Path:
    """A build of ``shape`` from the cache, compiled (in a subprocess) if missing.

    Processes that need the same build at once wait for one another on a lock file
    beside it (``.{key}.lock``): the first compiles, the others then find its build.
    """
    cache = cache or build_cache()
    directory = cache / shape.key
    if (directory / "manifest.json").exists():
        return directory
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f".{shape.key}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process dies
        if not (directory / "manifest.json").exists():
            logger.info("compiling the model for %s", shape.key)
            command = [
                sys.executable,
                "-m",
                "pulsesweep",
                "build",
                "--shape",
                json.dumps(asdict(shape)),
                "--output",
                str(directory),
            ]
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return directory


def _run(
    config: Mapping[str, Any],
    points: Sequence[GridPoint],
    inputs: Mapping[str, NetworkInput],
    pulses: PulseInputs,
    neurons: DistinctNeurons,
    build: str | Path | None,
) -> SpikeTrains:
    """The spikes of the distinct ``neurons``, numbered as in ``neurons.simulated``."""
    simulation = config["simulation"]
    dt, steps = simulation["dt_ms"] * 1e-3, n_steps(config)
    if simulation["target"] == "cpp_standalone":
        if not build:
            shape = model_shape(config, points)
            build = ensure_build(replace(shape, n_neurons=max(shape.n_neurons, len(neurons))))
        size = build_shape(build).n_neurons
        return run_simulator(build, neurons.inputs(inputs, size), pulses)
    from pulsesweep.network import run_network  # imports brian2

    return run_network(
        neurons.inputs(inputs),
        pulses.values(),
        dt,
        steps,
        method=simulation["method"],
        target=simulation["target"],
    )


def simulate(
    config: Mapping[str, Any],
    points: Sequence[GridPoint],
    build: str | Path | None = None,
    copies: bool = True,
) -> xr.Dataset:
    """Simulate ``points`` together and return the simulation dataset.

    Parameters
    ----------
    config
        A resolved config (see :func:`pulsesweep.config.resolve_config`).
    points
        Grid points; each gets its own block of ``network.n_neurons`` neurons, drawn
        from its seed, and the pulse schedule of its seed.
    build
        For the ``cpp_standalone`` target: a build of :func:`model_shape` (as the
        workflow's build rule makes); by default one from :func:`build_cache`.
    copies
        Simulate each distinct neuron once and copy its spikes to the points that share
        it (:mod:`pulsesweep.distinct`; the same spikes, bit for bit). False simulates
        every neuron of every point, as a check.
    """
    return _simulate(config, points, build, copies).to_dataset()


def _simulate(
    config: Mapping[str, Any],
    points: Sequence[GridPoint],
    build: str | Path | None,
    copies: bool,
) -> SimulationContents:
    if not points:
        raise ValueError("no grid points to simulate")
    config = STEPS["simulate"].view(config)
    seeds = sorted({point.seed for point in points})
    parameters = {seed: draw_neuron_parameters(config, seed) for seed in seeds}
    schedules = {seed: make_schedule(config, seed) for seed in seeds}
    blocks = [parameters[point.seed] for point in points]
    pulses = pulse_inputs(
        points,
        schedules,
        config["network"]["n_neurons"],
        config["simulation"]["dt_ms"] * 1e-3,
        n_steps(config),
    )
    n_neurons = config["network"]["n_neurons"]
    neurons = (
        distinct_neurons(points, pulses.trains, n_neurons)
        if copies
        else DistinctNeurons.every(len(points) * n_neurons)
    )
    logger.info(
        "simulating %d grid point(s) with %d pulse(s) (%.1f MB): %d distinct neurons of %d",
        len(points),
        len(pulses),
        pulses.nbytes / 1e6,
        len(neurons),
        len(points) * n_neurons,
    )
    inputs = network_inputs(
        blocks,
        [point.height for point in points],
        pulses,
        config["simulation"]["method"],
        config["simulation"]["dt_ms"] * 1e-3,
    )
    spikes = _run(config, points, inputs, pulses, neurons, build).select(neurons.copy_of)
    return simulation_contents(config, points, blocks, schedules, spikes)


def simulate_to_netcdf(
    config: Mapping[str, Any] | str | Path,
    output: str | Path,
    kernels: Iterable[str] | None = None,
    heights_nA: Iterable[float] | None = None,
    widths_ms: Iterable[float] | None = None,
    seeds: Iterable[int] | None = None,
    build: str | Path | None = None,
    controls: bool = False,
    copies: bool = True,
) -> Path:
    """Validate, simulate a selection of the config's grid and write it atomically.

    This is the function behind ``pulsesweep simulate`` and the Snakemake rule. Each
    selection defaults to the whole axis of the config's sweep; ``controls`` adds each
    seed's unpulsed control; ``copies`` as for :func:`simulate`. Nothing is written if
    the config or the selection is invalid.
    """
    config = load_config(config) if isinstance(config, str | Path) else resolve_config(config)
    points = grid_points(config, kernels, heights_nA, widths_ms, seeds, controls)
    return _simulate(config, points, build, copies).write(output)
