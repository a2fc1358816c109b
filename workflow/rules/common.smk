# Config validation, grid expansion and input functions shared by all rules.
# The logic lives in the pulsesweep package; this file only connects it to Snakemake.

import importlib.util
import sys
from dataclasses import asdict
from pathlib import Path

# An installed pulsesweep comes first; otherwise the package from this checkout. Jobs
# find it the same way: Snakemake appends the script directory to sys.path, and
# scripts/pulsesweep links to src/pulsesweep (for --sdm conda environments).
sys.path.append(str(Path(workflow.basedir) / "src"))

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from pulsesweep.config.checks import check_sweep
from pulsesweep.config.resolution import resolve_config
from pulsesweep.errors import ConfigError
from pulsesweep.figures.registry import FIGURE_NAMES, RESPONSE_FIGURES
from pulsesweep.jobs import (
    check_memory,
    job_files,
    model_shapes,
    simulation_jobs,
    slurm_memory_mb,
)
from pulsesweep.config.steps import STEPS


def slurm_partition():
    """The SLURM partition of the simulate jobs (--set-resources, else --default-resources;
    the SLURM profile's), or None."""
    settings = workflow.resource_settings
    chosen = settings.overwrite_resources.get("simulate", {}).get("slurm_partition")
    defaults = getattr(settings, "_parsed_default_resources", None) or {}
    raw = getattr(chosen or defaults.get("slurm_partition"), "raw", None)
    return str(raw).strip("'\"") if raw else None


def memory_budgets():
    """What may give a simulate job its memory (MB): Snakemake's --resources mem_mb (the
    default profile's), and under SLURM the largest node of the job's partition."""
    budgets = {}
    memory = workflow.global_resources.get("mem_mb")
    memory = getattr(memory, "value", memory)
    if memory:
        budgets["that Snakemake may give its jobs (--resources mem_mb)"] = int(memory)
    partition = slurm_partition()
    planning = not getattr(workflow, "remote_exec", False)  # not inside a SLURM job
    node_memory = slurm_memory_mb(partition) if partition and planning else None
    if node_memory:
        budgets[f"of the largest node in SLURM partition {partition} (sinfo)"] = node_memory
    return budgets


# Fail before any job runs, with one message that names the key, the value and what is
# allowed; then let Snakemake check (and fill in) the same schema. The checks that need
# numpy (the populations each seed draws) run here when the Snakefile's Python has it;
# with Snakemake alone (--sdm conda), every job runs them before it starts its work.
try:
    science = importlib.util.find_spec("numpy") is not None
    config.update(resolve_config(config, science=science))
    check_sweep(config)
    JOBS = simulation_jobs(config)
    check_memory(config, JOBS, memory_budgets())
except ConfigError as error:
    raise WorkflowError(str(error)) from None
validate(config, "../schemas/config.schema.yaml")

JOB_SHAPES = model_shapes(config)
SHAPES = {shape.key: shape for shape in JOB_SHAPES.values()}
FIGURE_FORMATS = config["figures"]["formats"]


wildcard_constraints:
    shape=r"n[0-9]+_steps[0-9]+_pulses[0-9]+_dt[0-9.e+-]+_[a-z_0-9]+",
    job=r"control_seed-[0-9a-z]+|kernel-[a-z][a-z0-9_]*_height-[^/_]+_width-[^/_]+_seed-[0-9a-z]+",


def figure_files(figures=FIGURE_NAMES, png=True):
    """Every format of ``figures`` (the png too unless ``png=False``)."""
    formats = [ext for ext in FIGURE_FORMATS if png or ext != "png"]
    return expand("results/figures/{figure}.{ext}", figure=figures, ext=formats)


def job_of(wildcards):
    try:
        return JOBS[wildcards.job]
    except KeyError:
        raise WorkflowError(
            f"results/simulations/{wildcards.job}.nc is not a job of this config"
        ) from None


def job_parameters(wildcards):
    """The config keys of the simulate step and the job's selection: a change re-runs
    that job only."""
    return job_of(wildcards).parameters(config)


def job_build(wildcards):
    """The compiled model a job runs, or nothing for Brian2's runtime targets."""
    if not JOB_SHAPES:
        return []
    return f"results/build/{JOB_SHAPES[job_of(wildcards).name].key}"


def shape_of(wildcards):
    return asdict(SHAPES[wildcards.shape])


def job_selection(wildcards):
    return job_of(wildcards).selection()


def job_memory_mb(wildcards, attempt):
    return job_of(wildcards).memory_mb(config) * attempt


def job_runtime_min(wildcards, attempt):
    return job_of(wildcards).runtime_min(config) * attempt


def step_parameters(step):
    """The config keys a step reads (pulsesweep.config.steps), canonical: the rule's params."""
    return STEPS[step].params(config)
