"""Cutting the sweep into independent simulation jobs.

By default (``jobs.batch_axes: null``) the jobs are sized by memory: each holds as many
grid points as fit in ``jobs.max_memory_mb`` by the estimate of
:meth:`SimulationJob.memory_mb`, and the sweep makes at least ``jobs.min_jobs`` jobs
where it has as many points. Heights are batched first (they share their seed's
control and unpulsed neurons), then kernels, widths and seeds; the first axis that
does not fit whole is split into equal parts (``width-part2of3``). A list of axes in
``jobs.batch_axes`` names the axes simulated together instead; every other axis then
expands into separate jobs.

Each seed's unpulsed control (height 0) is simulated once per job where heights are
simulated together, and otherwise as a job of its own (one per seed, or one for all
seeds if ``seed`` is batched). Responses at height 0 are the control compared with
itself.

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

from pulsesweep.config.checks import MAX_JOBS
from pulsesweep.config.steps import STEPS, canonical
from pulsesweep.errors import ConfigError
from pulsesweep.model.grid import grid_points
from pulsesweep.model.neuron_model import MODEL_COST_BOUND, MODEL_RATE_BOUND_HZ, lif_rate
from pulsesweep.model.run import Run
from pulsesweep.model.schedule import schedule_length
from pulsesweep.simulation.shapes import ModelShape, model_shape

__all__ = [
    "CONTROL_PREFIX",
    "SimulationJob",
    "batch_sizes",
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
        """A generous estimate of the job's peak memory (MB), for schedulers: see
        :func:`memory_mb`."""
        pulsed = sum(height != 0 for height in self.heights_nA)
        sizes = (len(self.kernels), pulsed, len(self.widths_ms), len(self.seeds))
        return memory_mb(config, sizes, self.controls or not pulsed)

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


def memory_mb(config: Mapping[str, Any], sizes: tuple[int, int, int, int], controls: bool) -> int:
    """A generous estimate of the peak memory (MB) of a job of ``sizes`` kernels,
    pulsed heights, widths and seeds (and, with ``controls``, each seed's control).

    The peak of the job's process tree (its Python process and the binary it runs):
    the interpreter and libraries (100 MB: a job imports neither xarray nor Brian2; a
    model of ``models:`` adds 130 MB, its job imports Brian2 and SymPy to read and check
    it); the pulses (100 bytes each, in Python and in the binary) and their synapses,
    one per pulse and height (50 bytes each); 200 bytes per grid neuron (its parameters,
    inputs and train index); and the spikes of the distinct neurons
    (:func:`~pulsesweep.simulation.shapes.most_distinct_neurons`) at 1.5 times the mean
    neuron's tonic rate plus 20 Hz (for a model of ``models:``,
    :data:`~pulsesweep.model.neuron_model.MODEL_RATE_BOUND_HZ`), 36 bytes each: the
    binary's spike vectors, up to twice their 12 bytes a spike as they grow, the spikes
    read back and sorted train by train, and the file's. Checked against measured peaks
    in the tests. It takes the axes' sizes alone, so a plan sizes its jobs without
    listing their points.
    """
    kernels, heights, widths, seeds = sizes
    duration: float = config["simulation"]["duration_s"]
    n_neurons: int = config["network"]["n_neurons"]
    length = schedule_length(config)
    pulsed = kernels * heights * widths * seeds
    points = pulsed + (seeds if controls else 0)
    pulses = max(1, kernels * widths * seeds * length) * (100 + 50 * heights)
    distinct = min(points * n_neurons, seeds * n_neurons + pulsed * min(length, n_neurons))
    lif = lif_rate(config)
    rate = MODEL_RATE_BOUND_HZ if lif is None else 1.5 * lif + 20.0
    spikes = 36 * distinct * duration * rate
    base = 100 if lif is not None else 230
    return math.ceil(base + (pulses + 200 * points * n_neurons + spikes) / 1e6)


def _axis_values(config: Mapping[str, Any]) -> dict[str, list[Any]]:
    sweep = config["sweep"]
    return {
        "kernel": list(sweep["kernels"]),
        "height": [float(h) for h in sweep["heights_nA"] if h != 0],
        "width": [float(w) for w in sweep["widths_ms"]],
        "seed": list(config["simulation"]["seeds"]),
    }


#: The order in which automatic batching puts axes together: heights share their
#: seed's control and unpulsed neurons, kernels and widths the seed's neurons.
_BATCH_ORDER = ("height", "kernel", "width", "seed")


def batch_sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """How many values of each axis one job simulates together.

    ``jobs.batch_axes`` given: all of a listed axis, one of any other. Otherwise sized by
    memory (see the module docstring): the largest block, axis after axis, within
    ``jobs.max_memory_mb`` and leaving at least ``jobs.min_jobs`` jobs, split evenly.
    """
    values = _axis_values(config)
    lengths = {axis: max(1, len(values[axis])) for axis in AXES}
    jobs = config["jobs"]
    if jobs["batch_axes"] is not None:
        return {axis: lengths[axis] if axis in jobs["batch_axes"] else 1 for axis in AXES}
    most_points = max(1, math.ceil(math.prod(lengths.values()) / jobs["min_jobs"]))
    sizes = dict.fromkeys(AXES, 1)

    def fits(axis: str, size: int) -> bool:
        trial = sizes | {axis: size}
        points = math.prod(trial.values())
        shape = (trial["kernel"], trial["height"], trial["width"], trial["seed"])
        memory = memory_mb(config, shape, points > 1)
        return size == 1 or (points <= most_points and memory <= jobs["max_memory_mb"])

    for axis in _BATCH_ORDER:
        low, high = 1, lengths[axis]  # the largest size that fits: sizes below it fit too
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(axis, middle) else (low, middle - 1)
        parts = math.ceil(lengths[axis] / low)
        sizes[axis] = math.ceil(lengths[axis] / parts)  # equal parts
        if parts > 1:
            break
    count = math.prod(math.ceil(lengths[axis] / sizes[axis]) for axis in AXES)
    if count > MAX_JOBS:
        raise ConfigError(
            "jobs.max_memory_mb",
            jobs["max_memory_mb"],
            f"more, or fewer neurons, so that the grid makes at most {MAX_JOBS} simulation "
            f"jobs (it makes {count})",
        )
    return sizes


def _parts(values: list[Any], size: int, batched: bool) -> list[tuple[str, tuple[Any, ...]]]:
    """An axis cut into parts of ``size`` values, each with its label in job names: the
    value itself, ``all``, or ``partKofN``."""
    if batched or size >= len(values) > 1:
        return [("all", tuple(values))]
    if size == 1:
        return [(_format(value), (value,)) for value in values]
    count = math.ceil(len(values) / size)
    return [
        (f"part{k + 1}of{count}", tuple(values[k * size : (k + 1) * size])) for k in range(count)
    ]


def _name(prefix: str, fixed: Mapping[str, Any], axes: tuple[str, ...]) -> str:
    parts = [f"{axis}-{_format(fixed[axis]) if axis in fixed else 'all'}" for axis in axes]
    return "_".join([prefix, *parts]) if prefix else "_".join(parts)


def _controls_together(config: Mapping[str, Any], sizes: Mapping[str, int]) -> bool:
    """Whether the pulsed jobs, of :func:`batch_sizes` ``sizes``, simulate their seeds'
    controls: where they hold several heights, or all of them."""
    batched = config["jobs"]["batch_axes"]
    if batched is not None:
        return "height" in batched
    return sizes["height"] > 1 or sizes["height"] >= len(_axis_values(config)["height"])


def pulse_jobs(config: Mapping[str, Any]) -> dict[str, SimulationJob]:
    """The pulsed jobs, by name, in a stable order.

    Where heights are simulated together, each job also simulates its seeds' controls.
    """
    values, sizes = _axis_values(config), batch_sizes(config)
    if not values["height"]:
        return {}
    batched = config["jobs"]["batch_axes"] or ()
    controls = _controls_together(config, sizes)
    parts = [_parts(values[axis], sizes[axis], axis in batched) for axis in AXES]
    jobs = {}
    for combination in product(*parts):
        name = "_".join(
            f"{axis}-{label}" for axis, (label, _) in zip(AXES, combination, strict=True)
        )
        kernels, heights, widths, seeds = (chosen for _, chosen in combination)
        jobs[name] = SimulationJob(name, kernels, heights, widths, seeds, controls)
    return jobs


def control_jobs(config: Mapping[str, Any]) -> dict[str, SimulationJob]:
    """One unpulsed control job per seed (one for all seeds if ``seed`` is batched).

    None where heights are simulated together: the pulsed jobs simulate the controls.
    """
    if _controls_together(config, batch_sizes(config)):
        return {}
    sweep, seeds = config["sweep"], list(config["simulation"]["seeds"])
    batched = "seed" in (config["jobs"]["batch_axes"] or ())
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

    Under automatic batching, ``jobs.max_memory_mb`` is a budget too.

    Raises
    ------
    ConfigError
        Naming ``jobs.batch_axes`` (or, sized by memory, ``jobs.max_memory_mb``), or
        ``network.n_neurons`` when every job is already one grid point.
    """
    batched, most = config["jobs"]["batch_axes"], config["jobs"]["max_memory_mb"]
    budgets = {**budgets, "that jobs.max_memory_mb allows": most} if batched is None else budgets
    if not budgets or not jobs:
        return
    needed, name = max((job.memory_mb(config), name) for name, job in jobs.items())
    budget_mb, giver = min((mb, giver) for giver, mb in budgets.items())
    if needed <= budget_mb:
        return
    single = all(job.n_points - job.controls * len(job.seeds) <= 1 for job in jobs.values())
    if single:  # every job is one grid point already
        key, value = "network.n_neurons", config["network"]["n_neurons"]
        fewer = "fewer neurons (or a shorter run)"
    elif batched is None:
        key, value, fewer = "jobs.max_memory_mb", most, f"at most {budget_mb}"
    else:
        key, value, fewer = "jobs.batch_axes", batched, "fewer axes simulated together"
    raise ConfigError(
        key,
        value,
        f"{fewer}: job {name} needs about {needed} MB, more than the {budget_mb} MB {giver}",
    )
