"""Pulse shapes from the config on the LIF: spike times against scipy's ODE solver, every
target against numpy, and each built-in kernel written as an expression against itself."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL, merge
from lif_exact import DEFAULT_NEURON, ExactLIF
from lif_ode import SHAPES, OdeLIF

from pulsesweep.config.resolution import resolve_config
from pulsesweep.model.grid import grid_points
from pulsesweep.model.kernels import KERNELS
from pulsesweep.simulation.job import simulate
from pulsesweep.simulation.reader import read_spike_trains

NEURON = DEFAULT_NEURON
#: The config's own kernels, as users write them; the oracle's are in lif_ode.SHAPES.
OWN = {
    "double_exponential": {"shape": "exp(-s) - exp(-3*s)"},
    "inverse_square": {"shape": "1/(1 + s)^2"},
    "two_sided": {"shape": "exp(-abs(s))", "start": -10},
    "bump": {"shape": "sin(s)**2 * exp(-s**3)"},  # no antiderivative: quadrature
}
ONSETS_MS = (50.0, 57.37)  # on the grid, and off it


def _config(kernels, sweep, target="numpy", duration=0.25):
    """Identical default neurons from Vr, neuron 0 pulsed at 50 ms and neuron 1 at 57.37."""
    return resolve_config(
        merge(
            SMALL,
            {
                "kernels": kernels,
                "network": {"n_neurons": 2, "heterogeneity": 0.0, "v_init": "reset"},
                "simulation": {"duration_s": duration, "seeds": [0], "target": target},
                "pulses": {"schedule": "explicit", "times_ms": list(ONSETS_MS), "neurons": [0, 1]},
                "sweep": sweep,
                "analysis": {"window_ms": 100.0},
            },
        )
    )


def _train(dataset, point, neuron):
    return read_spike_trains(dataset, point, neuron)


def test_the_ode_oracle_is_the_closed_form_lif():
    exact = ExactLIF(**NEURON, pulse=("exponential", 50e-3, 10e-9, 3e-3))
    solved = OdeLIF(**NEURON).solve(
        lambda s: np.exp(-s) if s >= 0 else 0.0, 0.0, 50e-3, 10e-9, 3e-3, 0.2
    )
    np.testing.assert_allclose(solved, exact.spike_train(0.0, 0.2), rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def own_runs():
    sweep = {"kernels": list(OWN), "heights_nA": [0.5, 5, 50], "widths_ms": [0.5, 4, 20]}
    config = _config(OWN, sweep)
    points = [point for point in grid_points(config) if point.height != 0]
    return points, simulate(config, points)


@pytest.mark.parametrize("kernel", OWN)
def test_own_kernels_fire_as_the_ode_solution(own_runs, kernel):
    """Within 5 µs of scipy's solution, over heights 0.5–50 nA and widths 0.5–20 ms, with
    onsets on and off the time grid; and the pulses really moved spikes."""
    points, dataset = own_runs
    shape, start = SHAPES[kernel]
    oracle, moved = OdeLIF(**NEURON), 0.0
    unpulsed = np.array(oracle.solve(lambda s: 0.0, 0.0, 0.0, 0.0, 1.0, 0.25))
    for index, point in enumerate(points):
        if point.kernel != kernel:
            continue
        for neuron, onset in enumerate(np.array(ONSETS_MS) * 1e-3):
            expected = oracle.solve(shape, start, onset, point.height, point.width, 0.25)
            actual = _train(dataset, index, neuron)
            assert len(actual) == len(expected), (point, neuron)
            np.testing.assert_allclose(actual, expected, rtol=0, atol=5e-6, err_msg=str(point))
            shared = min(len(expected), len(unpulsed))
            moved = max(
                moved, float(np.max(np.abs(np.subtract(expected[:shared], unpulsed[:shared]))))
            )
    assert moved > 1e-3


@pytest.mark.parametrize("target", ["cython", "cpp_standalone"])
def test_every_target_gives_numpys_spikes_for_own_kernels(own_runs, target):
    points, expected = own_runs
    sweep = {"kernels": list(OWN), "heights_nA": [0.5, 5, 50], "widths_ms": [0.5, 4, 20]}
    actual = simulate(_config(OWN, sweep, target), points)
    assert actual["train"].shape == expected["train"].shape  # (point, neuron)
    for point in range(expected.sizes["point"]):
        for neuron in range(expected.sizes["neuron"]):
            train, reference = _train(actual, point, neuron), _train(expected, point, neuron)
            assert len(train) == len(reference), (points[point], neuron)
            np.testing.assert_allclose(
                train, reference, rtol=0, atol=1e-12, err_msg=f"{points[point]}, {neuron}"
            )


def test_built_in_kernels_written_as_expressions_fire_as_the_built_ins():
    """The generic path (sympy's antiderivative) gives each built-in's spikes to 1e-9 s."""
    written = {
        f"{name}_written": {
            "shape": kernel.expression,
            "start": kernel.start,
            "stop": None if np.isinf(kernel.stop) else kernel.stop,
        }
        for name, kernel in KERNELS.items()
    }
    sweep = {"kernels": [*KERNELS, *written], "heights_nA": [5, 50], "widths_ms": [0.5, 4]}
    config = _config(written, sweep, duration=0.2)
    points = [point for point in grid_points(config) if point.height != 0]
    dataset = simulate(config, points)
    index = {point: i for i, point in enumerate(points)}
    for point in points:
        if point.kernel not in KERNELS:
            continue
        twin = point.__class__(f"{point.kernel}_written", point.height, point.width, point.seed)
        for neuron in (0, 1):
            built_in, generic = (
                _train(dataset, index[point], neuron),
                _train(dataset, index[twin], neuron),
            )
            assert len(built_in) == len(generic), point
            np.testing.assert_allclose(generic, built_in, rtol=0, atol=1e-9, err_msg=str(point))
