"""Example traces: the pulsed neuron simulated alone is the same neuron as in its population."""

from __future__ import annotations

import gc
import math

import numpy as np
from lif_exact import ExactLIF

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


def test_the_control_trace_is_the_closed_form_potential_after_the_network_is_gone(make_config):
    """The recorded control potential is the exact LIF's (linear between spikes, held at
    the reset while refractory), read after the simulation's objects have been collected
    and their memory reused: the traces are the recording, not a view of freed memory."""
    config = make_config(
        network={
            "n_neurons": 1,
            "heterogeneity": 0.0,
            "v_init": "reset",
            "v_rest_mV": -65.0,
            "v_threshold_mV": -50.0,
            "v_reset_mV": -60.0,
        },
        pulses={"schedule": "explicit", "times_ms": [300.0], "neurons": [0]},
    )
    traces = example_traces(config)
    gc.collect()
    churn = [np.full(10_000, 7.0) for _ in range(1_000)]  # takes up whatever was freed
    network = config["network"]
    tau, refractory = network["tau_ms"] * 1e-3, network["refractory_ms"] * 1e-3
    rest = network["v_rest_mV"] * 1e-3
    lif = ExactLIF(  # potentials from rest
        tau=tau,
        resistance=tau / (network["capacitance_nF"] * 1e-9),
        v_threshold=network["v_threshold_mV"] * 1e-3 - rest,
        v_reset=network["v_reset_mV"] * 1e-3 - rest,
        refractory=refractory,
        bias=network["bias_current_nA"] * 1e-9,
    )
    times = traces["time"].values
    spikes = np.array(lif.spike_train(lif.v_reset, times[-1] + 1e-3))
    starts = np.array([0.0, *(spikes + refractory)])  # the reset potential is left here
    start = starts[np.searchsorted(starts, times, side="right") - 1]
    expected = rest + np.array(
        [lif.potential(t, t0, lif.v_reset) for t, t0 in zip(times, start, strict=True)]
    )
    since_spike = times - spikes[np.maximum(np.searchsorted(spikes, times, side="right") - 1, 0)]
    refractory_now = (since_spike >= 0) & (since_spike < refractory) & (times >= spikes[0])
    expected[refractory_now] = rest + lif.v_reset
    # a step away from every spike and refractory end, where the grid decides
    far = np.min(np.abs(times[:, None] - np.concatenate([spikes, starts])[None, :]), axis=1)
    usable = far > 2e-4
    assert usable.sum() > 0.8 * len(times)
    assert refractory_now[usable].any()
    actual = traces["control_potential"].values
    np.testing.assert_allclose(actual[usable], expected[usable], rtol=0, atol=1e-9)
    assert len(churn) == 1_000
