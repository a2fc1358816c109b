"""The ``precise`` method against closed forms: spike times off the grid, to microseconds.

Every expected value comes from :mod:`lif_exact`, which solves the membrane equation in
closed form and does not use pulsesweep or Brian2.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from conftest import SMALL, merge
from lif_exact import DEFAULT_NEURON, KERNEL_NAMES, ExactLIF, first_spike, lif_period

from pulsesweep.analysis.responses import pulse_response
from pulsesweep.config.resolution import resolve_config
from pulsesweep.model.grid import GridPoint, grid_points
from pulsesweep.simulation.job import simulate
from pulsesweep.simulation.reader import read_spike_trains

DT = 1e-4
#: The default neuron (tau 10 ms, Vt 15 mV, Vr 0, t_ref 2 ms, C 10 nF, I0 20 nA).
NEURON = DEFAULT_NEURON
PERIOD = lif_period(1e-2, 1e6, 20e-9, 15e-3, 0.0, 2e-3)
FIRST = first_spike(1e-2, 1e6, 20e-9, 15e-3, 0.0)


def _homogeneous(n_neurons: int, duration: float, times_ms, neurons, **sections):
    """Identical default neurons starting at Vr, with an explicit schedule."""
    return resolve_config(
        merge(
            SMALL,
            {
                "network": {"n_neurons": n_neurons, "heterogeneity": 0.0, "v_init": "reset"},
                "simulation": {"duration_s": duration, "seeds": [0], "method": "precise"},
                "pulses": {
                    "schedule": "explicit",
                    "times_ms": [float(t) for t in times_ms],
                    "neurons": [int(n) for n in neurons],
                },
                **sections,
            },
        )
    )


def _train(dataset: xr.Dataset, point: int, neuron: int) -> np.ndarray:
    return read_spike_trains(dataset, point, neuron)


def test_heterogeneous_population_fires_on_the_closed_form_train():
    """Bias only, 100 heterogeneous neurons, 10 s at dt = 0.1 ms: every spike within 1 µs."""
    config = resolve_config(
        {
            "simulation": {
                "duration_s": 10.0,
                "seeds": [4],
                "method": "precise",
                "target": "cpp_standalone",
            },
            "sweep": {"kernels": ["box"], "heights_nA": [0], "widths_ms": [1]},
        }
    )
    dataset = simulate(config, [GridPoint("box", 0.0, 1e-3, 4)])
    parameters = dataset.isel(point=0)
    assert float(parameters["tau"].std()) > 0  # the population really is heterogeneous
    worst = 0.0
    for neuron in range(dataset.sizes["neuron"]):
        p = parameters.isel(neuron=neuron)
        tau, resistance = float(p["tau"]), float(p["resistance"])
        period = lif_period(
            tau, resistance, 20e-9, float(p["v_threshold"]), float(p["v_reset"]), 2e-3
        )
        first = first_spike(tau, resistance, 20e-9, float(p["v_threshold"]), float(p["v_initial"]))
        expected = first + period * np.arange(int((10.0 - first) // period) + 1)
        actual = _train(dataset, 0, neuron)
        assert len(actual) == len(expected), neuron
        worst = max(worst, float(np.max(np.abs(actual - expected))))
    assert worst < 1e-6
    steps = np.concatenate(list(read_spike_trains(dataset, 0).values)) / DT
    assert np.mean(np.abs(steps - np.round(steps)) > 1e-3) > 0.9  # spikes are off the grid


@pytest.fixture(scope="module")
def kernel_runs():
    """Each kernel, height and width; neuron 0 pulsed at 50 ms, neuron 1 at 57.3 ms."""
    config = _homogeneous(
        2,
        0.25,
        [50.0, 57.3],
        [0, 1],
        sweep={
            "kernels": list(KERNEL_NAMES),
            "heights_nA": [0.5, 5, 50],
            "widths_ms": [0.5, 2, 10],
        },
        analysis={"window_ms": 100.0},
    )
    points = grid_points(config)
    return points, simulate(config, points)


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
def test_one_pulse_of_each_kernel_matches_the_exact_solution(kernel_runs, kernel):
    points, dataset = kernel_runs
    moved = 0.0
    for index, point in enumerate(points):
        if point.kernel != kernel:
            continue
        for neuron, onset in ((0, 50e-3), (1, 57.3e-3)):
            exact = ExactLIF(**NEURON, pulse=(kernel, onset, point.height, point.width))
            expected = np.array(exact.spike_train(0.0, 0.25))
            actual = _train(dataset, index, neuron)
            assert len(actual) == len(expected), (point, neuron)
            np.testing.assert_allclose(
                actual, expected, rtol=0, atol=5e-6, err_msg=f"{point}, neuron {neuron}"
            )
            unpulsed = FIRST + PERIOD * np.arange(len(expected))
            moved = max(moved, float(np.max(np.abs(expected - unpulsed))))
    assert moved > 1e-3  # the strong pulses moved spikes by far more than the tolerance


def test_small_box_pulses_advance_phase_as_the_exact_solution():
    """0.5 nA x 0.5 ms box pulses at ten known phases: each measured advance within 2 %."""
    phases = 0.15 + 0.08 * np.arange(10)
    onsets = FIRST + 3 * PERIOD + phases * PERIOD  # in the fourth cycle, off the grid
    window, duration = 0.06, 0.2
    config = _homogeneous(
        10,
        duration,
        onsets * 1e3,
        range(10),
        sweep={"kernels": ["box"], "heights_nA": [0, 0.5], "widths_ms": [0.5]},
        analysis={"window_ms": window * 1e3},
    )
    control, pulsed = GridPoint("box", 0.0, 5e-4, 0), GridPoint("box", 0.5e-9, 5e-4, 0)
    dataset = simulate(config, [control, pulsed])
    for neuron, (phase, onset) in enumerate(zip(phases, onsets, strict=True)):
        measured = pulse_response(
            _train(dataset, 1, neuron), _train(dataset, 0, neuron), onset, 0.0, window, duration
        )
        exact = ExactLIF(**NEURON, pulse=("box", onset, 0.5e-9, 5e-4))
        next_spike = FIRST + 4 * PERIOD
        advance = (next_spike - exact.spike_train(0.0, next_spike + PERIOD)[4]) / PERIOD
        assert advance > 5e-4  # about 10 µs or more: a grid method would round it to 0 or dt
        assert measured.phase == pytest.approx(phase, abs=1e-9)
        assert measured.phase_advance == pytest.approx(advance, rel=0.02), phase


@pytest.fixture(scope="module")
def numpy_run():
    config = resolve_config(SMALL)
    return simulate(config, grid_points(config))


@pytest.mark.parametrize("target", ["cython", "cpp_standalone"])
def test_every_target_gives_the_same_precise_spikes(numpy_run, target):
    assert numpy_run.attrs["integration_method"] == "precise"
    config = resolve_config(merge(SMALL, {"simulation": {"target": target}}))
    actual = simulate(config, grid_points(config))
    assert actual["train"].shape == numpy_run["train"].shape  # (point, neuron)
    for point in range(numpy_run.sizes["point"]):
        for neuron in range(numpy_run.sizes["neuron"]):
            train, expected = _train(actual, point, neuron), _train(numpy_run, point, neuron)
            assert len(train) == len(expected), (point, neuron)
            np.testing.assert_allclose(
                train, expected, rtol=0, atol=1e-12, err_msg=f"point {point}, neuron {neuron}"
            )
