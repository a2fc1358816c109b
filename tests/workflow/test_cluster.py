"""The SLURM profile, run end to end on a real single-node SLURM cluster on localhost.

The cluster comes from Debian's packages (installed if missing), needs root and changes
the machine, so these tests run only under `make test-cluster` (marker ``cluster``, not
in `make test`); elsewhere they skip and say why. Every daemon is stopped by PID.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import xarray as xr
from conftest import ROOT, TEST_CONFIG, snakemake
from slurm_cluster import slurm_cluster, unavailable

pytestmark = pytest.mark.slow

#: Fast polling for a tiny workflow; without accounting the plugin must use squeue; the
#: test node has 2 CPUs, so grouped simulations share 2 cores (--cores).
SLURM_OPTIONS = [
    "--slurm-init-seconds-before-status-checks",
    "1",
    "--seconds-between-status-checks",
    "1",
    "--slurm-status-command",
    "squeue",
    "--cores",
    "2",
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = unavailable()
    if reason:
        pytest.skip(f"no SLURM cluster for this test: {reason}")
    with slurm_cluster(tmp_path_factory.mktemp("slurm")) as environment:
        yield environment


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("slurm-run")
    snakemake(
        directory,
        "--workflow-profile",
        str(ROOT / "profiles" / "slurm"),
        "--configfile",
        str(TEST_CONFIG),
        *SLURM_OPTIONS,
        env=cluster,
        timeout=600,
    )
    return directory


@pytest.mark.cluster
def test_slurm_run_gives_the_same_results_as_a_local_run(slurm_run, local_test_run):
    files = sorted(p.relative_to(local_test_run) for p in local_test_run.glob("results/**/*.nc"))
    assert [p.relative_to(slurm_run) for p in sorted(slurm_run.glob("results/**/*.nc"))] == files
    assert len(files) == 4 + 3  # simulations, responses.nc, examples.nc, theory_curves.nc
    for name in files:
        with (
            xr.open_dataset(local_test_run / name) as local,
            xr.open_dataset(slurm_run / name) as remote,
        ):
            xr.testing.assert_identical(remote.load(), local.load())


@pytest.mark.cluster
def test_compute_jobs_ran_on_slurm_and_small_jobs_locally(slurm_run, cluster):
    jobs = subprocess.run(
        ["squeue", "--states=all", "-h", "-o", "%k|%T"],
        env=cluster,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    rules = [line.split("|")[0] for line in jobs if line.endswith("|COMPLETED")]
    # the build, then the 4 simulations as one group job (group-components: 8)
    assert len(rules) == 2, jobs
    assert sum("build_simulator" in rule for rule in rules) == 1, jobs
    assert sum("simulat" in rule and "build" not in rule for rule in rules) == 1, jobs
    assert not any("aggregate" in rule or "plot" in rule for rule in rules), jobs
    logs = list((slurm_run / "results" / "logs" / "simulate").glob("*.log"))
    assert len(logs) == 4
    assert all("cpp_standalone" in log.read_text() for log in logs)


def test_profile_names_every_setting_it_relies_on():
    import yaml

    profile = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    assert profile["executor"] == "slurm"
    assert profile["retries"] >= 1
    assert profile["slurm-status-command"] == "squeue"
    assert profile["group-components"] == ["simulations=8"]
    assert {"slurm_partition", "mem_mb", "runtime"} <= set(profile["default-resources"])


@pytest.mark.cluster
def test_a_job_over_the_largest_node_is_refused_before_anything_is_submitted(cluster, tmp_path):
    """The plan asks the real SLURM (``sinfo``) how much memory its partition's largest
    node has and refuses a job that needs more, naming the key and the figures."""
    import re

    import yaml

    from pulsesweep.config import resolve_config
    from pulsesweep.jobs import simulation_jobs

    listed = subprocess.run(
        ["scontrol", "show", "node"], env=cluster, capture_output=True, text=True, check=True
    )
    node_mb = int(re.search(r"RealMemory=(\d+)", listed.stdout)[1])
    config = yaml.safe_load(TEST_CONFIG.read_text()) | {"jobs": {"batch_axes": ["height"]}}
    config["network"]["n_neurons"] = 100_000
    while True:  # a longer run until the largest job outgrows the node
        jobs = simulation_jobs(resolved := resolve_config(config))
        needed = max(job.memory_mb(resolved) for job in jobs.values())
        if needed > node_mb:
            break
        config["simulation"]["duration_s"] *= 2
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(config))
    profile = ["--workflow-profile", str(ROOT / "profiles" / "slurm"), "--configfile", str(path)]
    result = snakemake(tmp_path, "-n", *profile, *SLURM_OPTIONS, env=cluster, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert output.count("invalid config: jobs.batch_axes = ['height'];") == 1, output
    assert f"more than the {node_mb} MB of the largest node in SLURM partition main" in output
    assert not (tmp_path / "results").exists()
