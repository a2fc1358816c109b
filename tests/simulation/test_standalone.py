"""The compiled cpp_standalone model: same spikes as numpy, one build shared safely.

With ``euler`` (no transcendental functions) the binary and numpy agree bit for bit; with
``precise``, the C library's and numpy's ``exp``/``log`` may differ in the last bit, so
spike times agree to 1e-12 s (test_precise.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from conftest import SMALL, merge
from process_memory import simulate_command, simulate_job_peak

from pulsesweep.config.resolution import resolve_config
from pulsesweep.jobs import simulation_jobs
from pulsesweep.model.grid import GridPoint, grid_points
from pulsesweep.model.run import Run
from pulsesweep.model.schedule import PulseSchedule, make_schedule
from pulsesweep.model.stimulus import pulse_inputs
from pulsesweep.simulation.builds import ensure_build
from pulsesweep.simulation.job import simulate
from pulsesweep.simulation.reader import read_spike_trains
from pulsesweep.simulation.shapes import model_shape
from pulsesweep.simulation.standalone import run_simulator

STANDALONE = merge(SMALL, {"simulation": {"target": "cpp_standalone"}})
EULER = {"simulation": {"method": "euler"}}


#: How the spikes are stored: the distinct trains, and each neuron's.
STORAGE = ["spike_time", "spike_count", "train"]


def assert_same_trains(actual: xr.Dataset | Path, expected: xr.Dataset) -> None:
    """Every neuron of every point has the same spike train, read by the reader."""
    actual_trains, expected_trains = read_spike_trains(actual), read_spike_trains(expected)
    assert actual_trains.shape == expected_trains.shape
    for (point, neuron), train in np.ndenumerate(expected_trains.values):
        np.testing.assert_array_equal(
            actual_trains.values[point, neuron], train, err_msg=f"point {point}, neuron {neuron}"
        )


@pytest.fixture(scope="module")
def numpy_euler_run():
    config = resolve_config(merge(SMALL, EULER))
    return simulate(config, grid_points(config))


@pytest.fixture(scope="module")
def standalone_run(build_cache):
    config = resolve_config(STANDALONE)
    return simulate(config, grid_points(config))


def test_standalone_euler_gives_bit_for_bit_the_spikes_of_numpy(numpy_euler_run):
    config = resolve_config(merge(STANDALONE, EULER))
    standalone_run = simulate(config, grid_points(config))
    assert standalone_run.attrs["codegen_target"] == "cpp_standalone"
    assert numpy_euler_run.attrs["codegen_target"] == "numpy"
    expected = numpy_euler_run.drop_attrs()
    actual = standalone_run.drop_attrs()
    xr.testing.assert_identical(actual, expected)
    assert standalone_run.sizes["spike"] > 1000


def test_the_binary_hands_back_its_spikes_train_by_train(build_cache, monkeypatch):
    """The build orders its spikes itself (a counting sort in C++): what it writes is
    already by neuron, then time, so Python sorts nothing."""
    from pulsesweep.simulation import spikes

    checked = []
    in_order = spikes.in_train_order

    def spy(trains, times):
        checked.append((len(trains), in_order(trains, times)))
        return checked[-1][1]

    monkeypatch.setattr(spikes, "in_train_order", spy)
    config = resolve_config(STANDALONE)
    simulate(config, grid_points(config))
    assert checked[0][0] > 1000  # the binary's spikes, as it wrote them
    assert checked[0][1]


def test_standalone_copies_are_the_spikes_of_simulating_every_neuron(standalone_run):
    """The build holds the distinct neurons only (padded to the most any seed can have);
    simulating every neuron (a build of all of them) gives the same file."""
    config = resolve_config(STANDALONE)
    points = grid_points(config)
    shape = model_shape(config, points)
    assert shape.n_neurons < len(points) * config["network"]["n_neurons"]
    every = simulate(config, points, copies=False)
    # every neuron's train is stored for itself: the same trains, stored apart
    assert every.sizes["distinct_train"] == len(points) * config["network"]["n_neurons"]
    assert standalone_run.sizes["distinct_train"] < every.sizes["distinct_train"]
    xr.testing.assert_identical(standalone_run.drop_vars(STORAGE), every.drop_vars(STORAGE))
    assert_same_trains(standalone_run, every)


def test_standalone_single_point_runs_match_the_batched_run(build_cache, standalone_run):
    config = resolve_config(STANDALONE)
    points = grid_points(config)
    for index in (3, 12):
        alone = simulate(config, [points[index]])
        assert alone.sizes["neuron"] == standalone_run.sizes["neuron"]
        for neuron in range(standalone_run.sizes["neuron"]):
            np.testing.assert_array_equal(
                read_spike_trains(alone, 0, neuron),
                read_spike_trains(standalone_run, index, neuron),
                err_msg=f"point {index}, neuron {neuron}",
            )


def test_concurrent_jobs_share_one_build(build_cache, tmp_path, standalone_run):
    config = resolve_config(STANDALONE)
    build = ensure_build(model_shape(config, grid_points(config)))
    before = sorted(path.relative_to(build) for path in build.rglob("*"))
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(STANDALONE))
    jobs = [
        subprocess.Popen(
            simulate_command(
                config_file, "--output", str(tmp_path / f"{k}.nc"), "--build", str(build)
            )
        )
        for k in range(3)
    ]
    assert [job.wait(timeout=120) for job in jobs] == [0, 0, 0]
    for k in range(3):
        assert_same_trains(tmp_path / f"{k}.nc", standalone_run)
    # runs leave nothing behind in the shared build
    assert sorted(path.relative_to(build) for path in build.rglob("*")) == before


def test_the_binary_logs_its_progress_as_it_runs(build_cache, standalone_run, monkeypatch, caplog):
    """The compiled binary prints its progress from inside the run (here every 100 steps:
    the period set to 0 s by its environment variable); the job logs each line as it
    comes, with the fraction simulated, the rate and the time left, and the spikes are
    those of a run that reports every 10 s."""
    import logging

    from pulsesweep.logs import PROGRESS_VARIABLE

    monkeypatch.setenv(PROGRESS_VARIABLE, "0")
    config = resolve_config(STANDALONE)
    with caplog.at_level(logging.INFO, logger="pulsesweep"):
        reported = simulate(config, grid_points(config))
    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name.endswith("standalone") and record.getMessage().startswith("simulation ")
    ]
    assert lines[0].startswith("simulation started")
    assert lines.count(lines[0]) == 1
    done = [float(line.split("%")[0].split()[-1]) for line in lines[1:]]
    assert len(done) >= 50  # 10,000 steps: a report every 100
    assert done == sorted(done)
    assert 0 < done[0] < 5
    assert done[-1] >= 95
    assert all("neuron-steps/s" in line and "s left)" in line for line in lines[1:])
    assert_same_trains(reported, standalone_run)


def test_inputs_of_the_wrong_size_are_refused(build_cache):
    config = resolve_config(STANDALONE)
    shape = model_shape(config, grid_points(config))
    build = ensure_build(shape)
    inputs = {"tau": np.full(shape.n_neurons, 0.01)}
    no_pulses = pulse_inputs([], {}, 1, 1e-4, 10)
    one_too_many = pulse_inputs(
        [GridPoint("box", 1e-9, 1e-3, 0)],
        {
            0: PulseSchedule(
                np.linspace(0.1, 0.2, shape.n_pulses + 1), np.zeros(shape.n_pulses + 1, np.int64)
            )
        },
        1,
        1e-4,
        shape.n_steps,
    )
    with pytest.raises(ValueError, match="do not fit the build"):
        run_simulator(build, inputs, one_too_many)
    with pytest.raises(ValueError, match=r"neurons.tau: \(3,\) values for"):
        run_simulator(build, {"tau": np.ones(3)}, no_pulses)
    with pytest.raises(ValueError, match="not an input of the build"):
        run_simulator(build, {"tau_typo": np.ones(3)}, no_pulses)


@pytest.mark.slow
def test_eight_jobs_on_an_empty_build_cache_compile_once(tmp_path, standalone_run):
    """Eight `pulsesweep simulate` started together, no build yet: one compiles (under a
    lock), the other seven wait and run its binary; all give the same spikes."""
    cache = tmp_path / "cache"
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(STANDALONE))
    environment = {**os.environ, "PULSESWEEP_BUILD_CACHE": str(cache)}
    command = [sys.executable, "-m", "pulsesweep", "simulate", "--config", str(config_file)]
    jobs = [
        subprocess.Popen(
            [*command, "--output", str(tmp_path / f"{k}.nc")],
            env=environment,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        for k in range(8)
    ]
    logs = [job.communicate(timeout=600)[1] for job in jobs]
    assert [job.returncode for job in jobs] == [0] * 8, logs
    assert sum(log.count("compiling the model") for log in logs) == 1
    assert sum(log.count("built ") for log in logs) == 1
    builds = [path.name for path in cache.iterdir() if not path.name.endswith(".lock")]
    assert builds == [
        model_shape(resolve_config(STANDALONE), grid_points(resolve_config(STANDALONE))).key
    ]
    for k in range(8):
        assert_same_trains(tmp_path / f"{k}.nc", standalone_run)


@pytest.mark.slow
def test_memory_estimate_covers_the_measured_peak(tmp_path):
    """A long run with many pulses (1000 neurons, 20 s, a pulse every 50 ms, so 400 pulses
    into 330 of the neurons, two heights: 4e8 neuron-steps): the estimate that Snakemake
    and SLURM get is above the measured peak, and not wastefully so; and the peak is far
    below what a table of the pulse current (steps x pulsed neurons) would take."""
    overrides = {
        "network": {"n_neurons": 1000},
        "simulation": {"duration_s": 20.0, "seeds": [0]},
        "pulses": {"interval_ms": 50.0},
        "sweep": {"kernels": ["alpha"], "heights_nA": [0, 5], "widths_ms": [2.0]},
    }
    config = resolve_config(overrides)
    [job] = simulation_jobs(config).values()
    peak = simulate_job_peak(overrides, tmp_path)
    measured = peak.peak_mb
    schedule = make_schedule(config, 0)
    dense_table_mb = (
        8 * len(np.unique(schedule.neurons)) * (Run.from_config(config).n_steps + 1) / 1e6
    )
    assert measured <= job.memory_mb(config) <= 2 * measured, str(peak)
    assert measured < dense_table_mb


def test_every_object_is_compiled_with_the_precompiled_headers(build_cache, tmp_path):
    from pulsesweep.simulation.builds import _RUN_ONCE, _make_arguments

    config = resolve_config(STANDALONE)
    build = ensure_build(model_shape(config, grid_points(config)))
    make = ["make", "-n", "-B", *_make_arguments(1)]  # the build's own make, printed
    commands = subprocess.run(make, cwd=build, capture_output=True, text=True, check=True)
    compiled = {
        line.split(" -o ")[-1].strip(): line
        for line in commands.stdout.splitlines()
        if " -c " in line
    }
    run_once = {f"{name}.o" for name in _RUN_ONCE}
    objects = {
        path.relative_to(build).with_suffix(".o").as_posix() for path in build.rglob("*.cpp")
    }
    assert run_once < objects == set(compiled)
    for name, line in compiled.items():
        levels = [flag for flag in line.split() if flag.startswith("-O")]
        assert "-include common_headers.h" in line
        assert levels == (["-O3", "-O1"] if name in run_once else ["-O3"])  # the last counts
    for name in ("code_objects/spikes_codeobject.o", "objects.o"):  # gcc says it used the .gch
        probe = compiled[name].replace(f" -o {name}", f" -o {tmp_path / 'probe.o'}")
        report = subprocess.run(
            f"{probe} -Winvalid-pch -H", shell=True, cwd=build, capture_output=True, text=True
        )
        assert report.returncode == 0, report.stderr
        assert "! ./common_headers.h.gch" in report.stderr.splitlines()
