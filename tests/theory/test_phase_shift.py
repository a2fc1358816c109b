"""The LIF's phase shift (``pulsesweep.theory.phase_shift``) against the oracle's trains
in ``lif_trains.py``, and measured as the package measures it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lif_exact import KERNEL_NAMES
from lif_trains import (
    LIF,
    NANO,
    PERIOD,
    default_neuron,
    oracle_shift,
    oracle_train,
    oscillator_phase,
)

from pulsesweep import theory
from pulsesweep.analysis import responses
from pulsesweep.model.neuron import as_neuron


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
@pytest.mark.parametrize(
    "height",
    [0.5 * NANO, 5 * NANO, 50 * NANO, -5 * NANO],
    ids=lambda height: f"{height / NANO:g}nA",
)
@pytest.mark.parametrize("width", [0.5e-3, 2e-3, 10e-3], ids=lambda width: f"{width * 1e3:g}ms")
def test_phase_shift_is_the_oracles(kernel, height, width):
    """The whole pulsed train up to 100 ms after the onset: several extra spikes for the
    50 nA pulses of 10 ms (up to 5 cycles), a delay for -5 nA."""
    phases = np.array([0.05, 0.5, 0.95])
    horizons = phases * PERIOD + 0.1
    computed = theory.phase_shift(kernel, height, width, phases, LIF, horizons)
    expected = [
        oracle_shift(kernel, height, width, phase, horizon)
        for phase, horizon in zip(phases, horizons, strict=True)
    ]
    np.testing.assert_allclose(computed, expected, rtol=0, atol=1e-9)
    assert np.all(np.sign(computed[1:]) == np.sign(height))


@pytest.mark.parametrize(
    ("kernel", "width", "phase", "extra", "low", "high"),
    [
        ("box", 10e-3, 0.5, 2, 1.8, 1.9),
        ("box", 20e-3, 0.5, 4, 3.3, 3.4),
        ("alpha", 10e-3, 0.5, 6, 5.2, 5.3),
        ("inverse_time", 10e-3, 0.95, 5, 5.0, 5.1),
    ],
)
def test_strong_long_pulse_adds_several_spikes(kernel, width, phase, extra, low, high):
    """50 nA: the oracle's train has ``extra`` more spikes than the control before the
    horizon; the shift counts each as a cycle, less how late the train is at the horizon
    (so it lies within a cycle of ``extra``)."""
    horizon = phase * PERIOD + 0.1
    pulsed = oracle_train(kernel, 50 * NANO, width, phase, horizon)
    assert len(pulsed) - math.ceil(horizon / PERIOD) == extra
    shift = theory.phase_shift(kernel, 50 * NANO, width, phase, LIF, horizon)
    assert shift == pytest.approx(oracle_shift(kernel, 50 * NANO, width, phase, horizon), abs=1e-9)
    assert low < shift < high
    assert abs(shift - extra) < 1


@pytest.mark.parametrize(
    ("kernel", "width"),
    [
        ("box", 0.5e-3),
        ("box", 2e-3),
        ("exponential", 0.1e-3),
        ("gaussian", 0.1e-3),
        ("alpha", 0.05e-3),
    ],
)
@pytest.mark.parametrize("height", [-0.5 * NANO, 0.5 * NANO, 2 * NANO])
def test_weak_pulse_shift_is_the_spike_advance(kernel, width, height):
    """A pulse over before the refractory period after the next spike moves that spike
    only, and every later one with it: the shift is ``spike_advance / T`` for good."""
    phases = np.array([0.0, 0.05, 0.15, 0.3, 0.5, 0.7, 0.8])
    advance = theory.spike_advance(kernel, height, width, phases, LIF) / PERIOD
    for horizon in (phases * PERIOD + 0.1, 10.0, np.inf):
        shift = theory.phase_shift(kernel, height, width, phases, LIF, horizon)
        np.testing.assert_allclose(shift, advance, rtol=0, atol=1e-12)
    assert np.all(advance[2:] * height > 0)


@pytest.mark.parametrize(
    ("height", "width", "phase"), [(1e-4, 2e-3, 0.95), (2e-5, 2e-3, 0.9), (1e-4, 1e-3, 0.7)]
)
def test_phase_shift_is_measured_like_the_package(height, width, phase):
    """A huge gaussian fires before its response window opens (``t0 - 3 w``): the shift
    already there is subtracted, as :func:`responses.pulse_response` does with the
    oracle's trains."""
    onset = phase * PERIOD
    t_open, horizon = onset - 3 * width, onset + 0.1
    pulsed = oracle_train("gaussian", height, width, phase, horizon)
    pulsed_in_cycle = (pulsed > -PERIOD / 2) & (pulsed < t_open)
    assert np.count_nonzero(pulsed_in_cycle) == 2  # at 0 (or a hair before) and one more
    control = PERIOD * np.arange(round(pulsed[0] / PERIOD), 20)
    opening = oscillator_phase(pulsed, t_open, PERIOD) - oscillator_phase(control, t_open, PERIOD)
    assert opening > 0.4  # the early spike: not subtracting this would be wrong by as much
    measured = responses.pulse_response(
        pulsed, control, onset, 3 * width, horizon - t_open, duration=1.0
    ).phase_advance
    shift = theory.phase_shift("gaussian", height, width, phase, LIF, horizon)
    assert shift == pytest.approx(measured, abs=1e-9)
    assert shift == pytest.approx(oracle_shift("gaussian", height, width, phase, horizon), abs=1e-9)


@pytest.mark.parametrize("kernel", ["exponential", "box", "gaussian", "alpha"])
def test_phase_shift_settles_once_the_pulse_is_over(kernel):
    """After the pulse the pulsed train is periodic again: the shift no longer changes."""
    heights = np.array([-20, -5, 5, 50])[:, None] * NANO
    phases = np.array([0.1, 0.5, 0.9])
    shifts = [
        theory.phase_shift(kernel, heights, 5e-3, phases, LIF, horizon)
        for horizon in (0.5, 3.0, np.inf)
    ]
    np.testing.assert_allclose(shifts[1], shifts[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(shifts[2], shifts[0], rtol=0, atol=1e-12)
    assert np.all(shifts[0] * heights > 0)


def test_phase_shift_broadcasts_over_heterogeneous_neurons():
    random = np.random.default_rng(5)
    count = 6
    tau = random.uniform(8e-3, 12e-3, count)
    threshold = random.uniform(14e-3, 16e-3, count)
    phase = random.uniform(0, 1, count)
    heights = np.array([-3 * NANO, 30 * NANO])[:, None]
    neurons = as_neuron(default_neuron(tau, threshold))
    computed = theory.phase_shift("exponential", heights, 4e-3, phase, neurons, 0.12)
    assert computed.shape == (2, count)
    for (row, column), value in np.ndenumerate(computed):
        neuron = default_neuron(tau[column], threshold[column])
        expected = oracle_shift("exponential", heights[row, 0], 4e-3, phase[column], 0.12, neuron)
        assert value == pytest.approx(expected, abs=1e-9)
    assert isinstance(theory.phase_shift("box", 5 * NANO, 1e-3, 0.5, LIF, 0.1), np.float64)


def test_phase_shift_of_nonfiring_neurons_and_bad_inputs():
    subthreshold = default_neuron(bias=10e-9)
    assert np.isnan(theory.phase_shift("box", 5 * NANO, 1e-3, 0.5, as_neuron(subthreshold), 0.1))
    shifts = theory.phase_shift("box", 5 * NANO, 1e-3, [np.nan, 0.5, 0.5], LIF, [0.1, np.nan, 0.1])
    assert np.isnan(shifts[:2]).all()
    assert np.isfinite(shifts[2])
    assert theory.phase_shift("box", 0.0, 1e-3, 0.5, LIF, 0.1) == 0.0
    assert theory.phase_shift("box", 5 * NANO, 1e-3, 0.05, LIF, 0.1) == 0.0  # refractory
    with pytest.raises(ValueError, match="phase"):
        theory.phase_shift("box", 5 * NANO, 1e-3, 1.0, LIF, 0.1)
    assert theory.phase_shift("box", 5 * NANO, 1e-3, 0.5, LIF, 0.0) == 0.0  # not yet open
    with pytest.raises(ValueError, match="finite horizon"):
        theory.phase_shift("inverse_time", 5 * NANO, 1e-3, 0.5, LIF, np.inf)
