"""Kills at the worst moment: a whole run killed mid-way resumes to the same data, and a
job killed while it writes its netCDF file leaves nothing that looks like a result.

Both tests send SIGKILL, which no handler sees: what is left is what the atomic writes
(:mod:`pulsesweep.outputs`) and Snakemake's incomplete-job markers make of it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
import xarray as xr
import yaml
from conftest import ROOT, TEST_CONFIG, snakemake

from pulsesweep.errors import SimulationFileError
from pulsesweep.simulation.reader import open_simulation

pytestmark = pytest.mark.slow

T = TypeVar("T")

#: One pulsed grid point on the numpy target whose file takes over a second to write:
#: 20000 neurons driven hard (R*I0 = 200 mV against a 15 mV threshold) with a 0.2 ms
#: refractory period fire about 4 million spikes in 0.2 s. Measured on 2 cores: 4.5 s
#: to import and simulate, then 1.2-1.4 s in write_netcdf_atomically (27 MB).
BIG_WRITE = {
    "network": {"n_neurons": 20000, "refractory_ms": 0.2, "bias_current_nA": 200.0},
    "simulation": {"target": "numpy", "duration_s": 0.2, "dt_ms": 0.2, "seeds": [0]},
    "pulses": {"interval_ms": 50.0},
    "sweep": {"kernels": ["box"], "heights_nA": [5.0], "widths_ms": [1.0]},
}


def result_files(directory: Path, pattern: str = "results/**/*.nc") -> set[str]:
    """Paths (relative to ``directory``) that a glob for results finds: never dotfiles."""
    return {
        str(Path(path).relative_to(directory))
        # Not Path.glob: unlike glob.glob, it matches dotfiles, the hidden partial files too.
        for path in glob.glob(str(directory / pattern), recursive=True)  # noqa: PTH207
    }


def poll(
    find: Callable[[], T | None],
    process: subprocess.Popen,
    timeout: float,
    interval: float,
    what: str,
    log: Path | None = None,
) -> T:
    """Call ``find`` until it returns something; fail if ``process`` ends first or time is up."""
    deadline = time.monotonic() + timeout
    while True:
        found = find()
        if found:
            return found
        if process.poll() is not None:
            output = log.read_text() if log else ""
            pytest.fail(f"{what}: the process ended first (status {process.returncode})\n{output}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: nothing after {timeout} s")
        time.sleep(interval)


def living_group_members(group: int) -> list[int]:
    """Processes of process group ``group`` that are not zombies (Linux /proc)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
            state, _ppid, pgrp = stat.read_text().rpartition(")")[2].split()[:3]
            if int(pgrp) == group and state != "Z":
                members.append(int(stat.parent.name))
    return members


def test_interrupted_run_resumes_to_identical_data(tmp_path, local_test_run):
    """Killing snakemake and its jobs mid-run, then doing what the lock message says
    (--unlock, re-run), gives netCDF files identical to an uninterrupted run's, and a
    killed job's leftover is never taken for a result."""
    directory = tmp_path / "run"
    directory.mkdir()
    arguments = ["--cores", "2", "--configfile", str(TEST_CONFIG)]
    command = [
        *(sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")),
        *("--directory", str(directory), *arguments),
    ]
    log = tmp_path / "interrupted.log"
    simulations = directory / "results" / "simulations"
    with log.open("w") as output:
        run = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        first = poll(
            lambda: result_files(simulations, "*.nc"),
            run,
            timeout=300,
            interval=0.05,
            what="first simulation file",
            log=log,
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)  # the session leader's group: all its jobs
        run.wait()
    assert run.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while living_group_members(run.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not living_group_members(run.pid), "a job outlived the kill"

    expected = result_files(local_test_run)
    interrupted = result_files(directory)
    assert first, "no simulation file before the kill"
    assert "results/responses.nc" not in interrupted
    assert interrupted < expected, sorted(interrupted)

    # A plain re-run refuses the directory and says how to free it.
    locked = snakemake(directory, *arguments, check=False)
    assert locked.returncode != 0
    assert "--unlock" in locked.stdout + locked.stderr
    snakemake(directory, "--unlock", *arguments)
    snakemake(directory, "--rerun-incomplete", *arguments)

    resumed = result_files(directory)
    assert resumed == expected
    # Whatever else ends in .nc is a killed job's hidden temporary file.
    leftovers = {str(p.relative_to(directory)) for p in directory.glob("results/**/*.nc")}
    for leftover in leftovers - resumed:
        assert Path(leftover).name.startswith("."), leftover
        assert leftover.endswith(".partial.nc"), leftover
    for name in sorted(expected):
        with (
            xr.open_dataset(directory / name) as actual,
            xr.open_dataset(local_test_run / name) as wanted,
        ):
            try:
                xr.testing.assert_identical(actual.load(), wanted.load())
            except AssertionError as error:
                raise AssertionError(f"{name} differs after the resumed run:\n{error}") from None


def test_job_killed_while_writing_leaves_no_file_that_looks_complete(tmp_path):
    """SIGKILL while `pulsesweep simulate` writes its netCDF file leaves only the hidden
    partial file: no out.nc, nothing a result glob finds, nothing that reads as a
    simulation."""
    config = tmp_path / "big_write.yaml"
    config.write_text(yaml.safe_dump(BIG_WRITE))
    directory = tmp_path / "output"
    directory.mkdir()
    target = directory / "out.nc"
    log = tmp_path / "simulate.log"

    def partial_file() -> str | None:
        names = [entry.name for entry in os.scandir(directory)]
        if target.name in names:
            pytest.fail(f"{target.name} appeared before its partial file was seen: {names}")
        partials = [n for n in names if n.startswith(".out.") and n.endswith(".partial.nc")]
        return partials[0] if partials else None

    with log.open("w") as output:
        job = subprocess.Popen(
            [
                *(sys.executable, "-m", "pulsesweep", "simulate"),
                *("--config", str(config), "--output", str(target)),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        partial = poll(
            partial_file, job, timeout=120, interval=0.0005, what="partial file", log=log
        )
    finally:
        job.kill()  # at once: the write has only just begun
        job.wait()

    assert job.returncode == -signal.SIGKILL
    assert not target.exists()
    assert [entry.name for entry in os.scandir(directory)] == [partial]
    assert partial.startswith(".")
    assert partial.endswith(".partial.nc")
    # A glob for results skips it (glob.glob skips dotfiles) ...
    assert result_files(directory, "*.nc") == set()
    # ... and read directly, it is no simulation file. (Killed this early it holds 0 or 48
    # bytes; killed near the end of the write it can read as a complete simulation, so
    # its hidden name is what keeps it from being taken for a result.)
    with pytest.raises(SimulationFileError, match=r"\.partial\.nc"):
        open_simulation(directory / partial)
