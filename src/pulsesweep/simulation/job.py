"""Run one simulation job: a set of grid points simulated together in one network.

:func:`simulate_points` is the one path from grid points to spikes: each point's block of
neurons is its seed's population, driven by its seed's pulse schedule at the point's
kernel, height and width, simulated by a compiled build (``cpp_standalone``) or by
Brian2's runtime targets. The job (:func:`simulate`, :func:`simulate_to_netcdf`) and the
example traces (:mod:`pulsesweep.simulation.examples`) both go through it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from pulsesweep.config.resolution import load_config, resolve_config
from pulsesweep.config.steps import STEPS
from pulsesweep.model.equations import NetworkInput, network_inputs
from pulsesweep.model.grid import GridPoint, grid_points
from pulsesweep.model.kernels import Kernel, kernel_table
from pulsesweep.model.neuron_model import neuron_model
from pulsesweep.model.population import Population, draw_population
from pulsesweep.model.run import Run
from pulsesweep.model.schedule import PulseSchedule, make_schedule, needs_control_spikes
from pulsesweep.model.stimulus import PulseInputs, pulse_inputs
from pulsesweep.simulation.builds import build_shape, ensure_build
from pulsesweep.simulation.distinct import DistinctNeurons, distinct_neurons
from pulsesweep.simulation.file_format import SimulationContents, simulation_contents
from pulsesweep.simulation.shapes import model_shape
from pulsesweep.simulation.spikes import SpikeTrains
from pulsesweep.simulation.standalone import run_simulator

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["seed_schedules", "simulate", "simulate_points", "simulate_to_netcdf"]

logger = logging.getLogger(__name__)


def _run(
    config: Mapping[str, Any],
    points: Sequence[GridPoint],
    run: Run,
    inputs: Mapping[str, NetworkInput],
    pulses: PulseInputs,
    neurons: DistinctNeurons,
    build: str | Path | None,
    record_potential: Sequence[int],
    table: Sequence[Kernel],
) -> SpikeTrains:
    """The spikes of the distinct ``neurons``, numbered as in ``neurons.simulated``."""
    if run.target == "cpp_standalone":
        if record_potential:
            raise ValueError("the cpp_standalone target records no potential: use numpy")
        if not build:
            shape = model_shape(config, points)
            build = ensure_build(replace(shape, n_neurons=max(shape.n_neurons, len(neurons))))
        size = build_shape(build).n_neurons
        spikes = run_simulator(build, neurons.inputs(inputs, size), pulses)
        return spikes.first(len(neurons))  # not the padding
    from pulsesweep.simulation.brian_network import run_network  # imports brian2

    return run_network(
        neurons.inputs(inputs),
        pulses.values(),
        run.dt,
        run.n_steps,
        method=run.method,
        target=run.target,
        record_potential=record_potential,
        table=table,
        model=neuron_model(config),
    )


def simulate_points(
    config: Mapping[str, Any],
    points: Sequence[GridPoint],
    populations: Mapping[int, Population],
    schedules: Mapping[int, PulseSchedule],
    run: Run,
    build: str | Path | None = None,
    copies: bool = True,
    record_potential: Sequence[int] = (),
) -> tuple[SpikeTrains, NDArray[np.int64], PulseInputs]:
    """Simulate ``points`` together: the spike train of every neuron of every point.

    Parameters
    ----------
    config
        The resolved config (its ``simulate`` keys): the build's shape comes from it.
    points
        Grid points; point ``p`` owns neurons ``p * n ... (p + 1) * n - 1``.
    populations, schedules
        Each seed's neurons and pulse schedule.
    run
        Duration, time step, method and target.
    build
        For ``cpp_standalone``: a build of
        :func:`~pulsesweep.simulation.shapes.model_shape`; by default one from the cache.
    copies
        Simulate each distinct neuron once, for all the points that share it
        (:mod:`pulsesweep.simulation.distinct`; the same spikes, bit for bit).
    record_potential
        Global neurons whose membrane potential is recorded at every step (Brian2's
        runtime targets only; every neuron is then simulated as itself).

    Returns
    -------
    tuple
        The distinct trains (and potentials), numbered ``0 .. n_trains - 1``; each global
        neuron's train (``spikes.select(index)`` gives the trains neuron by neuron); and
        the pulses the points got.
    """
    n_neurons = populations[points[0].seed].n_neurons
    table = kernel_table(config)
    pulses = pulse_inputs(points, schedules, n_neurons, run.dt, run.n_steps, table)
    neurons = (
        distinct_neurons(points, pulses.trains, n_neurons)
        if copies and not record_potential
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
    blocks = [populations[point.seed] for point in points]
    heights = [point.height for point in points]
    inputs = network_inputs(blocks, heights, pulses, run.method, run.dt)
    spikes = _run(config, points, run, inputs, pulses, neurons, build, record_potential, table)
    return spikes, neurons.copy_of, pulses


def seed_schedules(
    config: Mapping[str, Any],
    populations: Mapping[int, Population],
    run: Run,
    builds: Path | None = None,
) -> dict[int, PulseSchedule]:
    """Each seed's pulse schedule (:func:`~pulsesweep.model.schedule.make_schedule`).

    Where the schedule is made from measured control trains (the ``phase_scan``
    schedule of a model of ``models:``), the seeds' controls are simulated first, in
    one run of ``run``: the model is deterministic, so they are the very trains the
    job's own controls will have. On ``cpp_standalone`` they run on a build of their
    own shape (only the controls' neurons), made in ``builds/controls`` (by default in
    the build cache) and shared by every job with as many seeds.
    """
    seeds = sorted(populations)
    if not needs_control_spikes(config):
        return {seed: make_schedule(config, seed) for seed in seeds}

    kernel = kernel_table(config)[0].name  # unpulsed: any kernel and width
    controls = [GridPoint(kernel, 0.0, 1e-3, seed) for seed in seeds]
    empty = PulseSchedule(np.zeros(0), np.zeros(0, dtype=np.int64))
    build = None
    if run.target == "cpp_standalone":
        build = ensure_build(model_shape(config, controls), builds and builds / "controls")
    spikes, index, _ = simulate_points(
        config, controls, populations, dict.fromkeys(seeds, empty), run, build
    )
    spikes = spikes.select(index)
    n_neurons = populations[seeds[0]].n_neurons
    counts = np.bincount(spikes.neurons, minlength=len(seeds) * n_neurons)
    trains = np.split(spikes.times, np.cumsum(counts)[:-1])
    logger.info("measured the controls of seeds %s for the phase_scan schedule", seeds)
    return {
        seed: make_schedule(config, seed, trains[k * n_neurons : (k + 1) * n_neurons])
        for k, seed in enumerate(seeds)
    }


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
    build, copies
        As for :func:`simulate_points`; ``copies=False`` simulates every neuron of every
        point, as a check.
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
    populations = {seed: draw_population(config, seed) for seed in seeds}
    run = Run.from_config(config)
    builds = Path(build).resolve().parent if build else None  # the job's builds' folder
    schedules = seed_schedules(config, populations, run, builds)
    spikes, index, _ = simulate_points(config, points, populations, schedules, run, build, copies)
    blocks = [populations[point.seed] for point in points]
    return simulation_contents(config, points, blocks, schedules, spikes, index)


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
