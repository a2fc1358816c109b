"""Damaged inputs and unwritable outputs: one line that names the file and the fix.

A truncated or foreign netCDF among the simulation files, a results directory that is
read-only or full: the command line and the Snakemake jobs print one line saying which
file and what to do, exit non-zero, and leave no result behind.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from conftest import SMALL, TEST_CONFIG, merge, snakemake

from pulsesweep.config.resolution import load_config, resolve_config
from pulsesweep.errors import ConfigError, OutputError
from pulsesweep.jobs import job_files, simulation_jobs
from pulsesweep.logs import log_to_file
from pulsesweep.outputs import atomic_output
from pulsesweep.simulation.file_format import SIMULATION_VARIABLES
from pulsesweep.simulation.job import simulate_to_netcdf


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """The small config's simulation files, where `pulsesweep aggregate` looks for them."""
    directory = tmp_path_factory.mktemp("sweep")
    (directory / "config.yaml").write_text(yaml.safe_dump(SMALL))
    config = resolve_config(SMALL)
    for name, job in simulation_jobs(config).items():
        simulate_to_netcdf(config, directory / "simulations" / f"{name}.nc", **job.selection())
    return directory


def aggregate(
    directory: Path, output: Path, prefix: tuple[str, ...] = (), **popen
) -> subprocess.CompletedProcess[str]:
    command = [
        *prefix,
        sys.executable,
        "-m",
        "pulsesweep",
        "-q",
        "aggregate",
        "--config",
        str(directory / "config.yaml"),
        "--directory",
        str(directory / "simulations"),
        "--output",
        str(output),
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, **popen
    )


def damaged_copy(sweep: Path, tmp_path: Path, damage) -> tuple[Path, Path]:
    """A copy of the sweep with one pulsed file replaced by ``damage(path)``."""
    copy = tmp_path / "sweep"
    shutil.copytree(sweep, copy)
    victim = Path(job_files(load_config(copy / "config.yaml"), str(copy / "simulations"))[1])
    damage(victim)
    return copy, victim


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def foreign(path: Path) -> None:
    path.unlink()
    xr.Dataset({"temperature": ("time", np.arange(3.0))}).to_netcdf(path)


def another_config(path: Path) -> None:
    """The same job simulated with another membrane time constant."""
    config = resolve_config(merge(SMALL, {"network": {"tau_ms": 12.0}}))
    job = next(job for name, job in simulation_jobs(config).items() if name == path.stem)
    path.unlink()
    simulate_to_netcdf(config, path, **job.selection())


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (truncate, "not a readable netCDF file"),
        (
            foreign,
            "not a pulsesweep simulation file: it lacks kernel, height, width and "
            f"{len(SIMULATION_VARIABLES) - 3} more",
        ),
        (another_config, "simulated with another config"),
    ],
    ids=["truncated", "foreign", "another config"],
)
def test_damaged_simulation_file_fails_aggregate_in_one_line(sweep, tmp_path, damage, problem):
    copy, victim = damaged_copy(sweep, tmp_path, damage)
    result = aggregate(copy, tmp_path / "responses.nc")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"pulsesweep: error: {victim}: {problem}")
    assert f"delete it, or make it again with `snakemake --cores N --forcerun {victim}`" in lines[0]
    assert not (tmp_path / "responses.nc").exists()


def test_intact_copy_aggregates(sweep, tmp_path):
    """The damaged-file tests fail because of the damage, not because of the copy."""
    copy, _ = damaged_copy(sweep, tmp_path, lambda path: None)
    result = aggregate(copy, tmp_path / "responses.nc")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "responses.nc").exists()


@pytest.mark.slow
def test_snakemake_aggregate_job_reports_a_truncated_file_in_one_line(local_test_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(local_test_run, run, symlinks=True)
    victim = sorted((run / "results" / "simulations").glob("kernel-*.nc"))[0]
    truncate(victim)
    result = snakemake(run, "--cores", "1", "--configfile", str(TEST_CONFIG), check=False)
    assert result.returncode != 0
    relative = victim.relative_to(run)
    message = f"pulsesweep: error: {relative}: not a readable netCDF file"
    assert message in result.stdout + result.stderr
    log = (run / "results" / "logs" / "aggregate.log").read_text()
    assert log.count(f"{relative}: not a readable netCDF file") == 1
    assert "Traceback" not in log


def test_output_in_a_full_directory_fails_in_one_line(sweep, tmp_path):
    """A file-size limit makes every write past 4 kB fail, as a full disk does."""

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    output = tmp_path / "out" / "responses.nc"
    result = aggregate(sweep, output, preexec_fn=limit_file_size)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"pulsesweep: error: cannot write {output}: ")
    assert f"make sure {output.parent} is writable and has room" in lines[0]
    assert list(output.parent.iterdir()) == []  # neither a result nor a temporary file


def test_output_in_a_read_only_directory_fails_in_one_line(sweep, tmp_path):
    """Root ignores permission bits; in a user namespace of its own (`unshare --user`)
    it does not, so the test runs the command there when it runs as root."""
    read_only = tmp_path / "results"
    read_only.mkdir()
    read_only.chmod(0o555)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        if subprocess.run(["unshare", "--user", "true"], check=False).returncode != 0:
            pytest.skip("running as root, and `unshare --user` is not available")
        prefix = ("unshare", "--user")
    output = read_only / "responses.nc"
    result = aggregate(sweep, output, prefix)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"pulsesweep: error: cannot write {output}: Permission denied")
    assert list(read_only.iterdir()) == []


def test_results_path_taken_by_a_file_fails_cleanly(tmp_path):
    (tmp_path / "results").write_text("not a directory")
    with (
        pytest.raises(OutputError, match=r"cannot write .*results/x\.nc: "),
        atomic_output(tmp_path / "results" / "x.nc") as partial,
    ):
        partial.write_text("never")


def test_job_log_gets_one_line_and_the_job_exits_1(tmp_path):
    log = tmp_path / "job.log"
    with pytest.raises(SystemExit) as exit_info, log_to_file(log):
        raise ConfigError("network.n_neurons", 0, ">= 1")
    assert exit_info.value.code == 1
    text = log.read_text()
    assert text.count("\n") == 1
    assert "invalid config: network.n_neurons = 0; allowed: >= 1" in text
    assert "Traceback" not in text
