"""Distinct neurons: each is simulated once and its spikes copied, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from conftest import SMALL, merge

from pulsesweep.config.resolution import resolve_config
from pulsesweep.model.grid import grid_points
from pulsesweep.model.run import Run
from pulsesweep.model.schedule import make_schedule
from pulsesweep.model.stimulus import pulse_inputs
from pulsesweep.simulation.distinct import DistinctNeurons, distinct_neurons
from pulsesweep.simulation.job import simulate
from pulsesweep.simulation.reader import read_spike_trains
from pulsesweep.simulation.shapes import most_distinct_neurons
from pulsesweep.simulation.spikes import SpikeTrains

#: How the spikes are stored: the distinct trains, and each neuron's.
STORAGE = ["spike_time", "spike_count", "train"]


def _assert_same_simulation(copies: xr.Dataset, every: xr.Dataset) -> None:
    """The same file but for how the spikes are stored (``every`` stores each neuron's
    train for itself, ``copies`` each distinct train once), and every neuron's train the
    same, bit for bit, read by the reader."""
    n_trains = every.sizes["point"] * every.sizes["neuron"]
    assert every.sizes["distinct_train"] == n_trains
    assert copies.sizes["distinct_train"] < n_trains
    xr.testing.assert_identical(copies.drop_vars(STORAGE), every.drop_vars(STORAGE))
    actual, expected = read_spike_trains(copies), read_spike_trains(every)
    assert actual.shape == expected.shape
    for (point, neuron), train in np.ndenumerate(expected.values):
        np.testing.assert_array_equal(
            actual.values[point, neuron], train, err_msg=f"point {point}, neuron {neuron}"
        )


def _trains(config, points):
    schedules = {seed: make_schedule(config, seed) for seed in {p.seed for p in points}}
    n = config["network"]["n_neurons"]
    return pulse_inputs(
        points, schedules, n, Run.from_config(config).dt, Run.from_config(config).n_steps
    )


def _what_each_neuron_receives(points, trains, n_neurons):
    """By the definition, neuron by neuron: (seed, index, train, height), or
    (seed, index) alone where no pulse reaches it."""
    keys = []
    for p, point in enumerate(points):
        for i in range(n_neurons):
            train = int(trains[p, i])
            pulsed = train != 0 and point.height != 0
            keys.append((point.seed, i, train, point.height) if pulsed else (point.seed, i))
    return keys


@pytest.mark.parametrize("schedule", ["periodic", "phase_scan"])
def test_neurons_are_the_same_exactly_when_their_inputs_are(schedule):
    config = resolve_config(
        merge(SMALL, {"pulses": {"schedule": schedule}, "sweep": {"heights_nA": [0, 2, 5]}})
    )
    points = grid_points(config)
    n = config["network"]["n_neurons"]
    pulses = _trains(config, points)
    neurons = distinct_neurons(points, pulses.trains, n)
    keys = _what_each_neuron_receives(points, pulses.trains, n)
    groups: dict[tuple, set[int]] = {}
    for neuron, key in enumerate(keys):
        groups.setdefault(key, set()).add(neuron)
    assert len(neurons) == len(groups)
    for members in groups.values():
        copies = {int(neurons.copy_of[neuron]) for neuron in members}
        assert len(copies) == 1  # one simulated neuron for all that receive the same
        assert int(neurons.simulated[copies.pop()]) == min(members)  # the first of them
    assert np.all(np.diff(neurons.simulated) > 0)
    assert len(neurons) <= most_distinct_neurons(points, n, len(make_schedule(config, 0)))


def test_the_bound_holds_for_every_seed_and_is_what_the_schedule_allows(make_config):
    config = make_config(simulation={"seeds": list(range(20))})
    points = grid_points(config)
    n = config["network"]["n_neurons"]
    schedule_length = len(make_schedule(config, 0))  # 9 pulses into 10 neurons
    bound = most_distinct_neurons(points, n, schedule_length)
    pulsed = sum(point.height != 0 for point in points)
    assert bound == 20 * n + pulsed * schedule_length
    counts = [len(distinct_neurons(points, _trains(config, points).trains, n))]
    for seed in range(20):
        chosen = [point for point in points if point.seed == seed]
        counts.append(len(distinct_neurons(chosen, _trains(config, chosen).trains, n)))
        assert counts[-1] <= most_distinct_neurons(chosen, n, schedule_length)
    assert counts[0] == sum(counts[1:]) <= bound


def test_padding_neurons_get_no_pulse():
    neurons = DistinctNeurons(simulated=np.array([1, 4]), copy_of=np.array([0, 0, 1]))
    inputs = {
        "tau": np.arange(5.0),
        "height": np.full(5, 2e-9),
        "pulse_train": np.arange(5),
        "bias_current": np.float64(1e-9),
    }
    padded = neurons.inputs(inputs, 4)
    np.testing.assert_array_equal(padded["tau"], [1.0, 4.0, 1.0, 1.0])
    np.testing.assert_array_equal(padded["height"], [2e-9, 2e-9, 0, 0])
    np.testing.assert_array_equal(padded["pulse_train"], [1, 4, 0, 0])
    assert padded["bias_current"] == inputs["bias_current"]
    np.testing.assert_array_equal(inputs["pulse_train"], np.arange(5))  # not changed


def test_selected_trains_are_the_trains_asked_for():
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 5, size=6)
    neurons = np.repeat(np.arange(6), counts)
    times = np.concatenate([np.sort(rng.random(c)) for c in counts])
    spikes = SpikeTrains(times=times, neurons=neurons, on_grid=False)
    chosen = np.array([5, 0, 0, 3, 2, 5, 1])
    actual = spikes.select(chosen)
    expected_times = np.concatenate([times[neurons == k] for k in chosen])
    expected_neurons = np.concatenate(
        [np.full(counts[k], position) for position, k in enumerate(chosen)]
    )
    np.testing.assert_array_equal(actual.times, expected_times)
    np.testing.assert_array_equal(actual.neurons, expected_neurons)
    assert not actual.on_grid


@pytest.mark.parametrize("method", ["precise", "euler"])
def test_copies_are_the_spikes_of_simulating_every_neuron(make_config, method):
    config = make_config(simulation={"method": method, "duration_s": 0.5})
    points = grid_points(config, controls=True)
    expected = simulate(config, points, copies=False)
    actual = simulate(config, points)
    _assert_same_simulation(actual, expected)
    assert sum(len(train) for train in read_spike_trains(actual).values.flat) > 500


def test_the_command_simulates_every_neuron_on_request(tmp_path):
    import re
    import subprocess
    import sys

    import yaml

    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(merge(SMALL, {"simulation": {"duration_s": 0.3}})))
    command = [sys.executable, "-m", "pulsesweep", "simulate", "--config", str(config_file)]
    logs = {}
    for name, extra in (("copies", []), ("every", ["--every-neuron"])):
        run = [*command, "--kernel", "box", "--output", str(tmp_path / f"{name}.nc"), *extra]
        logs[name] = subprocess.run(run, check=True, capture_output=True, text=True).stderr
    counts = {
        name: [int(n) for n in re.search(r"(\d+) distinct neurons of (\d+)", log).groups()]
        for name, log in logs.items()
    }
    assert counts["copies"][0] < counts["copies"][1] == 80
    assert counts["every"] == [80, 80]
    with (
        xr.open_dataset(tmp_path / "copies.nc") as copies,
        xr.open_dataset(tmp_path / "every.nc") as every,
    ):
        _assert_same_simulation(copies.load(), every.load())
