"""Data is never silently lost: atomic outputs, killed writers, corrupt inputs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
from conftest import SMALL

from pulsesweep.analysis.aggregate import aggregate_responses
from pulsesweep.config.resolution import resolve_config
from pulsesweep.errors import SimulationFileError
from pulsesweep.jobs import simulation_jobs
from pulsesweep.outputs import atomic_output
from pulsesweep.simulation.job import simulate_to_netcdf
from pulsesweep.simulation.reader import open_simulation, read_spike_trains

ROOT = Path(__file__).resolve().parents[1]


def test_failed_write_leaves_neither_result_nor_temporary(tmp_path):
    def write_half_then_fail():
        with atomic_output(tmp_path / "out.nc") as partial:
            partial.write_bytes(b"half a file")
            raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError, match="mid-write"):
        write_half_then_fail()
    assert list(tmp_path.iterdir()) == []


def writer_in_mid_write(target: Path) -> subprocess.Popen[str]:
    """A process that has written half of ``target`` through atomic_output and waits."""
    script = (
        "import time\n"
        "from pulsesweep.outputs import atomic_output\n"
        f"with atomic_output({str(target)!r}) as partial:\n"
        "    partial.write_bytes(b'half a file')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    return writer


def test_killed_writer_leaves_only_a_hidden_partial_file(tmp_path):
    target = tmp_path / "out.nc"
    with writer_in_mid_write(target) as writer:
        os.kill(writer.pid, signal.SIGKILL)
    leftovers = list(tmp_path.iterdir())
    assert not target.exists()
    assert len(leftovers) == 1
    assert leftovers[0].name.startswith(".out.")
    assert leftovers[0].name.endswith(".partial.nc")


@pytest.fixture(scope="module")
def small_files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("simulations")
    config = resolve_config(SMALL)
    paths = {
        name: simulate_to_netcdf(config, directory / f"{name}.nc", **job.selection())
        for name, job in simulation_jobs(config).items()
    }
    controls = [p for n, p in paths.items() if n.startswith("control")]
    pulsed = [p for n, p in paths.items() if not n.startswith("control")]
    return config, controls, pulsed


def test_truncated_simulation_file_fails_aggregation_with_its_name(small_files, tmp_path):
    config, controls, pulsed = small_files
    broken = tmp_path / "truncated.nc"
    broken.write_bytes(pulsed[1].read_bytes()[: pulsed[1].stat().st_size // 2])
    for processes in (1, 2):  # in this process, and from a worker
        with pytest.raises(SimulationFileError, match=f"^{broken}: .*delete it"):
            aggregate_responses(config, controls, [pulsed[0], broken, *pulsed[2:]], processes)


def test_intact_files_aggregate(small_files):
    config, controls, pulsed = small_files
    responses = aggregate_responses(config, controls, pulsed)
    assert float(responses["extra_spikes"].sel(height=5e-9).mean()) > 0


def test_workers_side_by_side_give_the_same_dataset(small_files):
    """Files measured by forked workers, controls read first in this process, merge into
    exactly the dataset that one process makes."""
    config, controls, pulsed = small_files
    expected = aggregate_responses(config, controls, pulsed)
    actual = aggregate_responses(config, controls, pulsed, processes=3)
    xr.testing.assert_identical(expected, actual)


def test_file_breaking_the_contract_fails_with_its_name(small_files, tmp_path):
    _config, _controls, pulsed = small_files
    stripped = tmp_path / "stripped.nc"
    with xr.open_dataset(pulsed[0]) as dataset:
        dataset.drop_vars("spike_time").to_netcdf(stripped)
    with pytest.raises(SimulationFileError, match=r"stripped\.nc: .* lacks spike_time"):
        open_simulation(stripped)


def test_spike_counts_that_do_not_add_up_fail_with_the_files_name(small_files, tmp_path):
    """The reader finds each stored train's spikes by the counts: a file whose counts
    disagree with its spikes is refused, not misread."""
    _config, _controls, pulsed = small_files
    miscounted = tmp_path / "miscounted.nc"
    with xr.open_dataset(pulsed[0]) as dataset:
        dataset = dataset.load()
    assert dataset["spike_count"].dims == ("distinct_train",)
    dataset["spike_count"][0] += 1
    dataset.to_netcdf(miscounted)
    with pytest.raises(SimulationFileError, match=r"miscounted\.nc: its spike counts do not"):
        open_simulation(miscounted)
    with pytest.raises(SimulationFileError, match=r"miscounted\.nc: its spike counts do not"):
        read_spike_trains(miscounted)


@pytest.mark.parametrize("where", ["past_the_last", "negative"])
def test_a_train_index_that_is_not_a_stored_train_fails_with_the_files_name(
    small_files, tmp_path, where
):
    """A neuron whose ``train`` is not along ``distinct_train`` (past the last stored
    train, or negative) is refused, not read as some other neuron's train."""
    _config, _controls, pulsed = small_files
    misindexed = tmp_path / "misindexed.nc"
    with xr.open_dataset(pulsed[0]) as dataset:
        dataset = dataset.load()
    bad = {"past_the_last": dataset.sizes["distinct_train"], "negative": -1}[where]
    dataset["train"][0, 0] = bad
    dataset.to_netcdf(misindexed)
    with pytest.raises(SimulationFileError, match=r"misindexed\.nc: a neuron's train index"):
        open_simulation(misindexed)
    with pytest.raises(SimulationFileError, match=r"misindexed\.nc: a neuron's train index"):
        read_spike_trains(misindexed)
    with pytest.raises(SimulationFileError, match=r"misindexed\.nc"):
        read_spike_trains(misindexed, 0, 0)  # the one train, read from the file alone


def test_missing_grid_point_fails_aggregation(small_files):
    config, controls, pulsed = small_files
    with pytest.raises(SimulationFileError, match="no simulation covers"):
        aggregate_responses(config, controls, pulsed[:-1])


def test_file_from_another_sweep_fails_aggregation(small_files):
    _, controls, pulsed = small_files
    other = resolve_config({**SMALL, "simulation": {**SMALL["simulation"], "seeds": [0]}})
    with pytest.raises(SimulationFileError, match="grid value 1 is not in the config's sweep"):
        aggregate_responses(other, controls, pulsed)


def test_next_write_removes_a_killed_writers_partial_but_not_a_live_ones(tmp_path):
    target = tmp_path / "out.nc"
    with writer_in_mid_write(target) as killed:
        killed.kill()
    with writer_in_mid_write(target) as alive:
        [live_partial] = [p for p in tmp_path.iterdir() if f".{alive.pid}." in p.name]
        with atomic_output(target) as partial:
            partial.write_bytes(b"a whole file")
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out.nc", live_partial.name])
        alive.kill()
