"""The Snakefile plans a sweep with Snakemake alone; what needs numpy runs in the first job.

Snakemake's catalog usage is to install Snakemake, deploy the workflow and run it with
``--sdm conda``: the jobs run in ``envs/pulsesweep.yaml``, but the Snakefile itself is
parsed by Snakemake's own Python, which has PyYAML and jsonschema and nothing of the
science stack.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import xarray as xr
import yaml
from conftest import ROOT, TEST_CONFIG, snakemake

#: What the plan must not import: the science stack, which only the jobs have.
SCIENCE = ("numpy", "scipy", "brian2", "xarray", "pandas", "netCDF4", "matplotlib", "seaborn")

CONFIGS = {
    "default": ROOT / "config" / "config.yaml",
    "test": TEST_CONFIG,
    **{name: ROOT / "config" / "examples" / f"{name}.yaml" for name in ("adex", "hh")},
}


def planned_outputs(dry_run: str) -> set[tuple[str, str]]:
    """Every job of a dry run as (rule, its outputs)."""
    jobs = re.findall(r"^(?:local)?rule (\w+):\n(?:    .*\n)*?    output: (.*)$", dry_run, re.M)
    return set(jobs)


def dry_run(python: str, directory: Path, config: Path, block: tuple[str, ...] = ()) -> str:
    """``snakemake -n`` in ``directory`` with ``python``, the modules in ``block`` made
    impossible to import."""
    code = (
        "import sys\n"
        f"for name in {block!r}:\n"
        "    sys.modules[name] = None  # import raises ImportError\n"
        "from snakemake.cli import main\n"
        "sys.argv = ['snakemake', *sys.argv[1:]]\n"
        "main()\n"
    )
    arguments = ["-n", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(directory)]
    result = subprocess.run(
        [python, "-c", code, *arguments, "--configfile", str(config)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": ""},  # the package from the checkout, not installed
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _plan_imports() -> str:
    """The package imports of the workflow's parse (common.smk's ``from pulsesweep``)."""
    common = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    return "\n".join(re.findall(r"^from pulsesweep[\w.]* import (?:\([^)]*\)|.*)$", common, re.M))


@pytest.mark.parametrize("name", CONFIGS)
def test_the_plan_imports_nothing_of_the_science_stack(name):
    """What the Snakefile runs to plan (the config's resolution and checks, the jobs, their
    model shapes and resource estimates, the figures), in a Python that cannot import
    numpy, Brian2, xarray and the rest, plans what it plans with them."""
    code = f"""
import sys
for name in {SCIENCE!r}:
    sys.modules[name] = None  # importing it raises ImportError
import yaml
{_plan_imports()}
config = resolve_config(yaml.safe_load(open({str(CONFIGS[name])!r})), science=False)
jobs = simulation_jobs(config)
print(repr(sorted(
    (name, job.memory_mb(config), job.runtime_min(config), shape.key)
    for (name, job), shape in zip(jobs.items(), model_shapes(config).values())
)), job_files(config), RESPONSE_FIGURES, FIGURE_NAMES, STEPS["aggregate"].params(config))
"""
    run = [sys.executable, "-c", code]
    blocked = subprocess.run(run, capture_output=True, text=True, check=False, timeout=300)
    assert blocked.returncode == 0, blocked.stderr
    plain = subprocess.run(
        [*run[:2], code.replace("sys.modules[name] = None", "pass")],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert blocked.stdout == plain.stdout
    assert "kernel-" in blocked.stdout


@pytest.mark.slow
def test_a_venv_with_snakemake_alone_plans_the_same_jobs(tmp_path_factory):
    """A new virtual environment with nothing but Snakemake and what it requires (as
    installed here) plans every config as this one does."""
    python = snakemake_alone_venv(tmp_path_factory.mktemp("snakemake-only") / "venv")
    check = [python, "-c", f"import {', '.join(SCIENCE[:2])}"]
    assert subprocess.run(check, capture_output=True, check=False).returncode != 0
    assert subprocess.run([python, "-c", "import snakemake"], check=False).returncode == 0
    for name, config in CONFIGS.items():
        directory = tmp_path_factory.mktemp(name)
        alone = planned_outputs(dry_run(python, directory, config))
        assert alone == planned_outputs(dry_run(sys.executable, directory, config)), name


def snakemake_alone_venv(venv: Path) -> str:
    """A venv (its python) holding this one's Snakemake and the distributions Snakemake
    requires, linked file tree by file tree, and nothing else."""
    from packaging.requirements import Requirement

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    [site] = (venv / "lib").glob("python3*/site-packages")
    seen: set[str] = set()
    todo = ["snakemake"]
    while todo:
        distribution = metadata.distribution(todo.pop())
        if distribution.name.lower() in seen:
            continue
        seen.add(distribution.name.lower())
        top = {file.parts[0] for file in distribution.files or [] if file.parts[0] != ".."}
        for name in top - {"__pycache__"}:
            link = site / name
            if not link.exists():
                link.symlink_to(distribution.locate_file(name))
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return str(venv / "bin" / "python")


def test_what_needs_numpy_fails_the_plan_in_one_line(tmp_path):
    """A population with impossible neurons (it takes numpy to draw it) stops the plan,
    before any job, when the Snakefile's Python has numpy."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    config["network"] |= {"v_threshold_mV": 15.0, "v_reset_mV": 14.0, "heterogeneity": 0.5}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "--cores", "2", "--configfile", str(path), check=False)
    assert result.returncode != 0
    assert "invalid config: network.heterogeneity = 0.5;" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results").exists()


def test_without_numpy_each_job_checks_what_needs_it_before_it_starts(tmp_path):
    """With Snakemake alone, the plan cannot draw the populations; every job's step does,
    before it simulates or writes anything."""
    from conftest import SMALL, merge

    from pulsesweep.config import resolve_config
    from pulsesweep.errors import ConfigError
    from pulsesweep.simulation import simulate_to_netcdf

    bad = merge(SMALL, {"network": {"v_reset_mV": 14.0, "heterogeneity": 0.5}})
    resolve_config(bad, science=False)  # what the plan checks without numpy passes
    with pytest.raises(ConfigError, match=r"^invalid config: network\.heterogeneity = 0\.5;"):
        simulate_to_netcdf(bad, tmp_path / "job.nc")
    assert list(tmp_path.iterdir()) == []


def _largest_job_mb(config: dict) -> int:
    from pulsesweep.config import resolve_config
    from pulsesweep.jobs import simulation_jobs

    resolved = resolve_config(config)
    return max(job.memory_mb(resolved) for job in simulation_jobs(resolved).values())


def _write(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_a_job_over_snakemakes_memory_is_refused_naming_the_batching(tmp_path):
    """A job whose estimate exceeds ``--resources mem_mb`` stops the plan in one line
    that names ``jobs.batch_axes`` and the figures; the same plan with room passes."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    needed = _largest_job_mb(config)
    path = _write(tmp_path, config)
    arguments = ["-n", "--configfile", str(path), "--resources"]
    tight = snakemake(tmp_path, *arguments, f"mem_mb={needed - 1}", check=False)
    assert tight.returncode != 0
    expected = (
        "invalid config: jobs.batch_axes = ['height', 'width']; allowed: fewer axes "
        "simulated together: job kernel-"
    )
    output = tight.stdout + tight.stderr  # a dry run reports on stdout
    assert output.count(expected) == 1, output
    assert f"needs about {needed} MB, more than the {needed - 1} MB that Snakemake" in output
    assert "Traceback" not in output
    snakemake(tmp_path, *arguments, f"mem_mb={needed}")
    assert not (tmp_path / "results").exists()


def test_a_job_over_the_largest_slurm_node_is_refused(tmp_path):
    """Under the SLURM profile's partition, a job that needs more than the partition's
    largest node (``sinfo``, here a stand-in that lists two nodes) is refused."""
    config = yaml.safe_load(TEST_CONFIG.read_text()) | {"jobs": {"batch_axes": []}}
    needed = _largest_job_mb(config)
    bin_directory = tmp_path / "bin"
    bin_directory.mkdir()
    sinfo = bin_directory / "sinfo"
    sinfo.write_text(f"#!/bin/sh\necho '   {needed // 2}'\necho '{needed - 1}+'\n")
    sinfo.chmod(0o755)
    squeue = bin_directory / "squeue"  # the SLURM plugin wants squeue or sacct beside sinfo
    squeue.write_text("#!/bin/sh\nexit 0\n")
    squeue.chmod(0o755)
    environment = {**os.environ, "PATH": f"{bin_directory}{os.pathsep}{os.environ['PATH']}"}
    path = _write(tmp_path, config)
    arguments = ["-n", "--configfile", str(path), "--default-resources", "slurm_partition=big"]
    result = snakemake(tmp_path, *arguments, check=False, env=environment)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert output.count("invalid config: network.n_neurons = 10;") == 1, output
    assert f"more than the {needed - 1} MB of the largest node in SLURM partition big" in output
    sinfo.write_text(f"#!/bin/sh\necho '{needed}'\n")
    snakemake(tmp_path, *arguments, env=environment)


def test_slurm_node_memory_is_read_from_sinfo_or_left_unknown(tmp_path, monkeypatch):
    from pulsesweep.jobs import slurm_memory_mb

    monkeypatch.setenv("PATH", str(tmp_path))
    assert slurm_memory_mb("main") is None  # no sinfo
    sinfo = tmp_path / "sinfo"
    sinfo.write_text("#!/bin/sh\n[ \"$3\" = main ] && printf ' 3000\\n64000+\\n'\n")
    sinfo.chmod(0o755)
    assert slurm_memory_mb("main") == 64000
    assert slurm_memory_mb("other") is None  # sinfo knows no such partition


def test_snakemake_runs_the_config_pulsesweep_config_shows(tmp_path):
    """Snakemake merges ``--configfile`` over the working directory's
    ``config/config.yaml`` (here one that differs from the schema's defaults), then fills
    in the schema's defaults; the file it writes carries the config it ran, which is
    what ``pulsesweep config --config config/config.yaml my.yaml`` shows."""
    from pulsesweep.cli import main
    from pulsesweep.config.steps import STEPS

    shipped = tmp_path / "config" / "config.yaml"
    shipped.parent.mkdir()
    shipped.write_text(yaml.safe_dump({"network": {"n_neurons": 7, "tau_ms": 12.0}}))
    mine = tmp_path / "my.yaml"
    mine.write_text(yaml.safe_dump({"network": {"tau_ms": 15.0}, "analysis": {"window_ms": 40.0}}))
    snakemake(tmp_path, "results/theory_curves.nc", "--cores", "1", "--configfile", str(mine))
    with xr.open_dataset(tmp_path / "results" / "theory_curves.nc") as curves:
        ran = yaml.safe_load(curves.attrs["config"])
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        assert main(["config", "--config", str(shipped), str(mine)]) in (None, 0)
    expected = STEPS["theory_curves"].view(yaml.safe_load(shown.getvalue()))
    assert ran == expected
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    network = schema["properties"]["network"]["properties"]
    assert ran["network"]["n_neurons"] == 7  # config/config.yaml, not the schema's 100
    assert ran["network"]["tau_ms"] == 15.0  # --configfile, over config/config.yaml
    assert ran["network"]["refractory_ms"] == network["refractory_ms"]["default"]
    assert ran["analysis"]["window_ms"] == 40.0
