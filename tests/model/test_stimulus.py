"""The pulse current as the simulation computes it, pulse by pulse, against the dense
step averages of `pulse_train` (themselves checked against quadrature in test_kernels)."""

from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest

from pulsesweep.model.grid import GridPoint
from pulsesweep.model.kernels import kernel_names
from pulsesweep.model.schedule import PulseSchedule, periodic_schedule
from pulsesweep.model.stimulus import pulse_inputs, pulse_train
from pulsesweep.simulation.brian_network import pulse_group, pulse_synapses

DT, STEPS = 1e-4, 4000
#: Two neurons; neuron 1 gets two pulses 2.3 ms apart (they overlap), one starts at t = 0
#: (a gaussian's first half is cut there), neuron 2 gets none.
SCHEDULE = PulseSchedule(
    times=np.array([0.0, 0.05, 0.1, 0.1023, 0.2]), neurons=np.array([0, 0, 1, 1, 0])
)


def simulated_drive(points, schedule, n_neurons, target):
    """Every neuron's `pulse_drive` at every step, from the pulse group and its synapses."""
    pulses = pulse_inputs(points, {0: schedule}, n_neurons, DT, STEPS)
    previous = b2.prefs.codegen.target
    b2.prefs.codegen.target = target
    try:
        group = b2.NeuronGroup(
            pulses.trains.size, "pulse_drive : 1\npulse_train : integer", dt=DT * b2.second
        )
        group.pulse_train = pulses.trains.ravel()
        source = pulse_group(len(pulses), DT)
        source.set_states(pulses.values(), units=False)
        # recorded at the end of each step: what the neurons used during it
        monitor = b2.StateMonitor(group, "pulse_drive", record=True, when="end")
        network = b2.Network(group, source, pulse_synapses(source, group), monitor)
        network.run(STEPS * DT * b2.second, namespace={})
    finally:
        b2.prefs.codegen.target = previous
    drive = np.array(monitor.pulse_drive, copy=True)  # the monitor's memory goes with it
    return drive.reshape(len(points), n_neurons, STEPS)


@pytest.mark.parametrize("target", ["numpy", "cython"])
def test_simulated_drive_is_the_dense_pulse_train_of_each_neuron(target):
    widths = [0.5e-3, 4e-3]
    points = [GridPoint(k, 1e-9, w, 0) for k in kernel_names() for w in widths]
    points += [GridPoint("alpha", 0.0, 4e-3, 0)]  # a control: no drive at all
    actual = simulated_drive(points, SCHEDULE, 3, target)
    expected = np.zeros_like(actual)
    for index, point in enumerate(points[:-1]):
        for neuron in (0, 1):
            onsets = SCHEDULE.times[SCHEDULE.neurons == neuron]
            train = pulse_train(point.kernel, point.width, onsets, DT, STEPS + 1)
            expected[index, neuron] = train[:STEPS]
    if target == "numpy":  # the same numpy functions, summed in the same order
        np.testing.assert_array_equal(actual, expected)
    else:  # the C library's exp/log1p/erfc may differ from numpy's in the last bit
        np.testing.assert_allclose(actual, expected, rtol=1e-13, atol=1e-13)
    assert (expected[:-1, :2].max(axis=-1) > 0.1).all()  # every pulse was seen
    assert not expected[:, 2].any()


def test_heights_share_their_pulses():
    """Pulses are listed once per (kernel, width, seed): three heights, no more pulses."""
    one = pulse_inputs([GridPoint("box", 1e-9, 1e-3, 0)], {0: SCHEDULE}, 3, DT, STEPS)
    points = [GridPoint("box", h, 1e-3, 0) for h in (1e-9, 2e-9, -1e-9)]
    three = pulse_inputs(points, {0: SCHEDULE}, 3, DT, STEPS)
    assert len(one) == len(three) == len(SCHEDULE)
    np.testing.assert_array_equal(three.trains, np.repeat(one.trains, 3, axis=0))


def test_pulse_inputs_grow_with_pulses_not_with_run_length():
    """A minute of 1,000 neurons, a pulse every 50 ms (the never-ending inverse-time
    kernel): 1,199 pulses of 40 bytes each, whatever the run length; a table of the
    pulse current on the time grid would need 8 bytes per step and pulsed neuron."""
    for duration in (60.0, 600.0):
        schedule = periodic_schedule(0.05, duration, 1000, np.random.default_rng(0))
        point = GridPoint("inverse_time", 5e-9, 2e-3, 0)
        steps = round(duration / DT)
        pulses = pulse_inputs([point], {0: schedule}, 1000, DT, steps)
        assert len(pulses) == len(schedule) == round(duration / 0.05) - 1
        assert pulses.nbytes - pulses.trains.nbytes == 40 * len(schedule)
        assert (pulses.last_step == steps + 1).all()  # to the end of the run
        assert 40 * len(schedule) < 1e-4 * 8 * steps * len(np.unique(schedule.neurons))
