"""Example traces: the pulsed neuron simulated alone is the same neuron as in its population."""

from __future__ import annotations

import math

import numpy as np

from pulsesweep.model.equations import network_inputs
from pulsesweep.model.grid import GridPoint
from pulsesweep.model.population import draw_neuron_parameters
from pulsesweep.model.schedule import make_schedule
from pulsesweep.model.stimulus import pulse_inputs
from pulsesweep.simulation.brian_network import run_network
from pulsesweep.simulation.examples import LEAD_TIME, example_traces


def test_example_traces_equal_the_neuron_within_its_whole_population(make_config):
    config = make_config(figures={"example_height_nA": 10.0, "example_width_ms": 3.0})
    actual = example_traces(config)
    seed, dt = config["simulation"]["seeds"][0], 1e-4
    schedule = make_schedule(config, seed)
    onset, neuron = float(schedule.times[0]), int(schedule.neurons[0])
    steps = math.ceil((onset + config["analysis"]["window_ms"] * 1e-3) / dt - 1e-9)
    points = [GridPoint(k, 10e-9, 3e-3, seed) for k in config["sweep"]["kernels"]]
    points.append(GridPoint("box", 0.0, 3e-3, seed))
    population = draw_neuron_parameters(config, seed)
    n = population.n_neurons
    pulses = pulse_inputs(points, {seed: schedule}, n, dt, steps)
    whole = run_network(
        network_inputs(
            [population] * len(points), [p.height for p in points], pulses, "precise", dt
        ),
        pulses.values(),
        dt,
        steps,
        record_potential=[p * n + neuron for p in range(len(points))],
    )
    shown = slice(round((onset - LEAD_TIME) / dt), steps)
    np.testing.assert_array_equal(actual["potential"].values, whole.potential[:-1, shown])
    np.testing.assert_array_equal(actual["control_potential"].values, whole.potential[-1, shown])
    # the strong pulse made every kernel's neuron fire: its potential was reset in view
    assert (np.diff(actual["potential"].values, axis=1) < -5e-3).any(axis=1).all()
