"""The Snakefile plans a sweep with Snakemake alone; what needs numpy runs in the first job.

Snakemake's catalog usage is to install Snakemake, deploy the workflow and run it with
``--sdm conda``: the jobs run in ``envs/pulsesweep.yaml``, but the Snakefile itself is
parsed by Snakemake's own Python, which has PyYAML and jsonschema and nothing of the
science stack.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, TEST_CONFIG, snakemake

#: What the plan must not import: the science stack, which only the jobs have.
SCIENCE = ("numpy", "scipy", "brian2", "xarray", "pandas", "netCDF4", "matplotlib", "seaborn")

CONFIGS = {"default": ROOT / "config" / "config.yaml", "test": TEST_CONFIG}


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
    return "\n".join(re.findall(r"^from pulsesweep[\w.]* import .*$", common, re.M))


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
    """A new virtual environment with nothing but Snakemake (at this one's version, from
    the package index) plans the default and the test config as this one does."""
    venv = tmp_path_factory.mktemp("snakemake-only") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    version = metadata.version("snakemake")
    environment = {**os.environ, "PIP_CACHE_DIR": str(venv / "pip-cache")}
    subprocess.run([*pip, f"snakemake=={version}"], check=True, timeout=900, env=environment)
    check = [python, "-c", f"import {', '.join(SCIENCE[:2])}"]
    assert subprocess.run(check, capture_output=True, check=False).returncode != 0
    for name, config in CONFIGS.items():
        directory = tmp_path_factory.mktemp(name)
        alone = planned_outputs(dry_run(python, directory, config))
        assert alone == planned_outputs(dry_run(sys.executable, directory, config)), name


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
