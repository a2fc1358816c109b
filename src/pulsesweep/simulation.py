"""Run one simulation job: a set of grid points simulated together in one network."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from pulsesweep.config import load_config, n_steps, resolve_config
from pulsesweep.dataset import simulation_dataset, write_netcdf_atomically
from pulsesweep.grid import GridPoint, grid_points
from pulsesweep.network import run_network
from pulsesweep.population import draw_neuron_parameters
from pulsesweep.schedule import make_schedule
from pulsesweep.stimulus import pulse_waveforms

__all__ = ["simulate", "simulate_to_netcdf"]

logger = logging.getLogger(__name__)


def simulate(config: Mapping[str, Any], points: Sequence[GridPoint]) -> xr.Dataset:
    """Simulate ``points`` together and return the simulation dataset.

    Parameters
    ----------
    config
        A resolved config (see :func:`pulsesweep.config.resolve_config`).
    points
        Grid points; each gets its own block of ``network.n_neurons`` neurons, drawn
        from its seed, and the pulse schedule of its seed.
    """
    if not points:
        raise ValueError("no grid points to simulate")
    seeds = sorted({point.seed for point in points})
    parameters = {seed: draw_neuron_parameters(config, seed) for seed in seeds}
    schedules = {seed: make_schedule(config, seed) for seed in seeds}
    simulation = config["simulation"]
    dt, steps = simulation["dt_ms"] * 1e-3, n_steps(config)
    blocks = [parameters[point.seed] for point in points]
    waveforms = pulse_waveforms(points, schedules, config["network"]["n_neurons"], dt, steps)
    logger.info(
        "simulating %d grid point(s), pulse table %d x %d (%.0f MB)",
        len(points), *waveforms.table.shape, waveforms.table.nbytes / 1e6,
    )
    spikes = run_network(
        blocks, [point.height for point in points], waveforms, dt, steps,
        method=simulation["method"], target=simulation["target"],
    )
    return simulation_dataset(config, points, blocks, schedules, spikes)


def simulate_to_netcdf(
    config: Mapping[str, Any] | str | Path,
    output: str | Path,
    kernels: Iterable[str] | None = None,
    heights_nA: Iterable[float] | None = None,
    widths_ms: Iterable[float] | None = None,
    seeds: Iterable[int] | None = None,
) -> Path:
    """Validate, simulate a selection of the config's grid and write it atomically.

    This is the function behind ``pulsesweep simulate`` and the Snakemake rule. Each
    selection defaults to the whole axis of the config's sweep. Nothing is written if
    the config or the selection is invalid.
    """
    config = load_config(config) if isinstance(config, str | Path) else resolve_config(config)
    points = grid_points(config, kernels, heights_nA, widths_ms, seeds)
    return write_netcdf_atomically(simulate(config, points), output)
