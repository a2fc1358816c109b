"""Cutting the sweep into independent simulation jobs.

``jobs.batch_axes`` names the grid axes simulated together in one job; every other axis
expands into separate jobs. Each seed's unpulsed control (height 0) is simulated once per
job where heights are simulated together, and otherwise as a job of its own (one per
seed, or one for all seeds if ``seed`` is batched). Responses at height 0 are the
control compared with itself.

Job names are built from config values that the schema restricts (kernel names from the
registry, numbers), so no config value reaches a path or a shell unchecked.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

from pulsesweep.config.steps import STEPS, canonical
from pulsesweep.errors import ConfigError
from pulsesweep.model.grid import grid_points
from pulsesweep.model.neuron_model import MODEL_COST_BOUND, MODEL_RATE_BOUND_HZ, lif_rate
from pulsesweep.model.run import Run
from pulsesweep.simulation.shapes import ModelShape, model_shape

__all__ = [
    "CONTROL_PREFIX",
    "SimulationJob",
    "check_memory",
    "control_jobs",
    "job_files",
    "model_shapes",
    "pulse_jobs",
    "simulation_jobs",
    "slurm_memory_mb",
]

AXES = ("kernel", "height", "width", "seed")
#: Measured simulation speeds per process (docs: Performance), for run-time estimates.
_NEURON_STEPS_PER_SECOND = {"cpp_standalone": 1e8, "cython": 1e7, "numpy": 5e6}
CONTROL_PREFIX = "control"


def _format(value: Any) -> str:
    return format(value, "g") if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class SimulationJob:
    """One simulation job: a name (its file stem) and the axis values it simulates.

    With ``controls``, the job also simulates each of its seeds' unpulsed control (one
    height-0 point per seed), as it does when heights are simulated together.
    """

    name: str
    kernels: tuple[str, ...]
    heights_nA: tuple[float, ...]
    widths_ms: tuple[float, ...]
    seeds: tuple[int, ...]
    controls: bool = False

    @property
    def is_control(self) -> bool:
        return self.name.startswith(CONTROL_PREFIX)

    @property
    def n_points(self) -> int:
        pulsed = len(self.kernels) * len(self.heights_nA) * len(self.widths_ms)
        return (pulsed + self.controls) * len(self.seeds)

    def selection(self) -> dict[str, Any]:
        """Keyword arguments for :func:`pulsesweep.simulation.job.simulate_to_netcdf`."""
        return {
            "kernels": list(self.kernels),
            "heights_nA": list(self.heights_nA),
            "widths_ms": list(self.widths_ms),
            "seeds": list(self.seeds),
            "controls": self.controls,
        }

    def model_shape(self, config: Mapping[str, Any]) -> ModelShape:
        """The shape of the compiled model this job runs (see simulation.model_shape)."""
        return model_shape(config, grid_points(config, **self.selection()))

    def neuron_steps(self, config: Mapping[str, Any]) -> int:
        """Neurons times time steps: the job's amount of arithmetic."""
        n_neurons: int = config["network"]["n_neurons"]
        return self.n_points * n_neurons * Run.from_config(config).n_steps

    def memory_mb(self, config: Mapping[str, Any]) -> int:
        """A generous estimate of the job's peak memory (MB), for schedulers.

        The peak of the job's process tree (its Python process and the binary it runs):
        the interpreter and libraries (100 MB: a job imports neither xarray nor Brian2);
        the pulses of :meth:`model_shape` (100 bytes each, in Python and in the binary)
        and their synapses, one per pulse and height (50 bytes each); every grid neuron's
        spikes at 1.5 times the mean neuron's tonic rate plus 20 Hz (for a model of
        ``models:``, :data:`~pulsesweep.model.neuron_model.MODEL_RATE_BOUND_HZ`; 36 bytes each: the
        binary's spike vectors, up to twice their 12 bytes a spike as they grow, then
        the spikes read back, copied to the points that share a neuron, and the file's
        variables). Nothing grows with run length
        times neurons but the spikes. A model of ``models:`` adds 100 MB: its job imports
        Brian2 to read and check it. Checked against a measured peak in the tests.
        """
        network, duration = config["network"], config["simulation"]["duration_s"]
        pulses = self.model_shape(config).n_pulses * (100 + 50 * len(self.heights_nA))
        lif = lif_rate(config)
        rate = MODEL_RATE_BOUND_HZ if lif is None else 1.5 * lif + 20.0
        spikes: float = 36 * self.n_points * network["n_neurons"] * duration * rate
        base = 100 if lif is not None else 200
        return math.ceil(base + (pulses + spikes) / 1e6)

    def runtime_min(self, config: Mapping[str, Any]) -> int:
        """A generous estimate of the job's wall time (minutes), for schedulers.

        A fifth of the measured speed of the job's target, plus a minute to start; for a
        model of ``models:``, whose cost no measurement gives in advance, a
        :data:`~pulsesweep.model.neuron_model.MODEL_COST_BOUND`-th of that.
        """
        rate = _NEURON_STEPS_PER_SECOND[config["simulation"]["target"]] / 5
        if lif_rate(config) is None:
            rate /= MODEL_COST_BOUND
        return math.ceil((60 + self.neuron_steps(config) / rate) / 60)

    def parameters(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Everything that determines this job's file: Snakemake re-runs it on a change.

        The config keys the simulate step reads (:data:`pulsesweep.config.steps.STEPS`) and the
        job's selection; a control's kernel and width do not matter (height 0), so they
        are left out.
        """
        selection = self.selection()
        if self.is_control:
            selection = {"seeds": selection["seeds"]}
        return {"config": STEPS["simulate"].params(config), "selection": canonical(selection)}


def _axis_values(config: Mapping[str, Any]) -> dict[str, list[Any]]:
    sweep = config["sweep"]
    return {
        "kernel": list(sweep["kernels"]),
        "height": [float(h) for h in sweep["heights_nA"] if h != 0],
        "width": [float(w) for w in sweep["widths_ms"]],
        "seed": list(config["simulation"]["seeds"]),
    }


def _name(prefix: str, fixed: Mapping[str, Any], axes: tuple[str, ...]) -> str:
    parts = [f"{axis}-{_format(fixed[axis]) if axis in fixed else 'all'}" for axis in axes]
    return "_".join([prefix, *parts]) if prefix else "_".join(parts)


def pulse_jobs(config: Mapping[str, Any]) -> dict[str, SimulationJob]:
    """The pulsed jobs, by name, in a stable order.

    Where heights are simulated together, each job also simulates its seeds' controls.
    """
    values = _axis_values(config)
    batched = set(config["jobs"]["batch_axes"])
    controls = "height" in batched
    separate = [axis for axis in AXES if axis not in batched]
    jobs = {}
    for combination in product(*(values[axis] for axis in separate)):
        fixed = dict(zip(separate, combination, strict=True))
        axis = {a: (fixed[a],) if a in fixed else tuple(values[a]) for a in AXES}
        if not axis["height"]:
            continue
        name = _name("", fixed, AXES)
        jobs[name] = SimulationJob(
            name, axis["kernel"], axis["height"], axis["width"], axis["seed"], controls
        )
    return jobs


def control_jobs(config: Mapping[str, Any]) -> dict[str, SimulationJob]:
    """One unpulsed control job per seed (one for all seeds if ``seed`` is batched).

    None where heights are simulated together: the pulsed jobs simulate the controls.
    """
    if "height" in config["jobs"]["batch_axes"]:
        return {}
    sweep, seeds = config["sweep"], list(config["simulation"]["seeds"])
    batched = "seed" in config["jobs"]["batch_axes"]
    groups = [tuple(seeds)] if batched else [(s,) for s in seeds]
    jobs = {}
    for group in groups:
        name = _name(CONTROL_PREFIX, {} if batched else {"seed": group[0]}, ("seed",))
        jobs[name] = SimulationJob(
            name, (sweep["kernels"][0],), (0.0,), (float(sweep["widths_ms"][0]),), group
        )
    return jobs


def simulation_jobs(config: Mapping[str, Any]) -> dict[str, SimulationJob]:
    """Every job of the sweep: the controls first, then the pulsed jobs."""
    return control_jobs(config) | pulse_jobs(config)


def model_shapes(config: Mapping[str, Any]) -> dict[str, ModelShape]:
    """The compiled model of every job, by job name (empty unless the target compiles)."""
    if config["simulation"]["target"] != "cpp_standalone":
        return {}
    return {name: job.model_shape(config) for name, job in simulation_jobs(config).items()}


def job_files(
    config: Mapping[str, Any], directory: str = "results/simulations", control: bool = False
) -> list[str]:
    """The files of the control jobs (``control=True``) or of the pulsed jobs."""
    return [
        f"{directory}/{name}.nc"
        for name, job in simulation_jobs(config).items()
        if job.is_control == control
    ]


def slurm_memory_mb(partition: str) -> int | None:
    """The most memory (MB) one job can get in SLURM ``partition``: its largest node's.

    From ``sinfo`` (its ``%m`` column); None where ``sinfo`` is missing, fails or knows no
    such partition (the plan then checks nothing SLURM-specific).
    """
    if shutil.which("sinfo") is None:
        return None
    command = ["sinfo", "--noheader", "--partition", partition, "--format", "%m"]
    try:
        listed = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    sizes = [int(size) for size in re.findall(r"^\s*(\d+)\+?\s*$", listed.stdout, re.M)]
    return max(sizes) if sizes else None


def check_memory(
    config: Mapping[str, Any], jobs: Mapping[str, SimulationJob], budgets: Mapping[str, int]
) -> None:
    """Refuse a plan with a job whose memory estimate exceeds a budget, in one line that
    names the key to change and the figures; nothing without budgets.

    ``budgets`` maps what gives the memory to its MB, e.g. ``{"Snakemake may give its jobs
    (--resources mem_mb)": 16000}`` (the default profile's), or the largest node of the
    SLURM partition (:func:`slurm_memory_mb`).

    Raises
    ------
    ConfigError
        Naming ``jobs.batch_axes``, or ``network.n_neurons`` when every job is already one
        grid point.
    """
    if not budgets or not jobs:
        return
    needed, name = max((job.memory_mb(config), name) for name, job in jobs.items())
    budget_mb, giver = min((mb, giver) for giver, mb in budgets.items())
    if needed <= budget_mb:
        return
    batched = config["jobs"]["batch_axes"]
    if batched:
        key, value, fewer = "jobs.batch_axes", batched, "fewer axes simulated together"
    else:  # every job is one grid point already
        key, value = "network.n_neurons", config["network"]["n_neurons"]
        fewer = "fewer neurons (or a shorter run)"
    raise ConfigError(
        key,
        value,
        f"{fewer}: job {name} needs about {needed} MB, more than the {budget_mb} MB {giver}",
    )
