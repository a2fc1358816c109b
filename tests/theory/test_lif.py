"""The closed-form LIF theory against the independent oracle in ``lif_exact.py``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lif_exact import KERNEL_NAMES, ExactLIF, lif_period, pulse_response
from lif_trains import (
    BIAS,
    CAPACITANCE,
    LIF,
    NANO,
    PERIOD,
    REFRACTORY,
    RESISTANCE,
    TAU,
    V_RESET,
    V_THRESHOLD,
    default_neuron,
    oracle_advance,
)
from scipy.integrate import quad

from pulsesweep import theory
from pulsesweep.model.kernels import get_kernel
from pulsesweep.model.neuron import as_neuron
from pulsesweep.theory import limits


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
@pytest.mark.parametrize("width", [0.1e-3, 0.5e-3, 2e-3, TAU, 20e-3, 100e-3])
def test_membrane_response_is_the_oracles(kernel, width):
    x = np.array(
        [
            -0.2,
            -30e-3,
            -3e-3,
            -0.5e-3,
            -1e-6,
            0.0,
            1e-7,
            1e-5,
            0.3e-3,
            1e-3,
            2e-3,
            5e-3,
            10e-3,
            30e-3,
            0.15,
            0.5,
            2.0,
        ]
    )
    expected = [pulse_response(kernel, value, width, TAU) for value in x]
    computed = theory.membrane_response(kernel, x, width, TAU)
    np.testing.assert_allclose(computed, expected, rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("kernel", ["exponential", "alpha"])
def test_membrane_response_is_smooth_through_width_equal_to_tau(kernel):
    """No cancellation near ``w = tau``: ``P`` changes linearly with ``w - tau`` (the
    changes for ``w = tau (1 +- 1e-7)`` are opposite to O(1e-7) of themselves)."""
    x = np.linspace(1e-4, 0.1, 50)
    at_tau = theory.membrane_response(kernel, x, TAU, TAU)
    above = theory.membrane_response(kernel, x, TAU * (1 + 1e-7), TAU) - at_tau
    below = theory.membrane_response(kernel, x, TAU * (1 - 1e-7), TAU) - at_tau
    assert np.all(above != 0)
    np.testing.assert_allclose(above, -below, rtol=1e-5, atol=0)
    np.testing.assert_allclose(above, 0, atol=1e-6 * at_tau.max())


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
def test_membrane_follows_a_slow_pulse(kernel):
    """For ``w >> tau`` the membrane follows the current, ``P(x) -> k(x/w)``, also far out
    (``(w + x)/tau`` of thousands: the asymptotic branch of ``exp(-z) Ei(z)``)."""
    width = 100 * TAU
    s = np.array([-2.0, 0.5, 0.9, 3.0, 50.0])
    computed = theory.membrane_response(kernel, s * width, width, TAU)
    np.testing.assert_allclose(computed, get_kernel(kernel).shape(s), rtol=0, atol=0.02)
    assert np.all(np.isfinite(computed))


def test_membrane_response_broadcasts():
    x = np.linspace(-5e-3, 50e-3, 7)[:, None]
    widths = np.array([0.5e-3, TAU, 30e-3])
    computed = theory.membrane_response("alpha", x, widths, TAU)
    assert computed.shape == (7, 3)
    for (row, column), value in np.ndenumerate(computed):
        assert value == theory.membrane_response("alpha", x[row, 0], widths[column], TAU)
    assert isinstance(theory.membrane_response("box", 1e-3, 2e-3, TAU), np.float64)
    with pytest.raises(KeyError, match="allowed"):
        theory.membrane_response("triangle", 1e-3, 2e-3, TAU)


def test_tonic_period_and_firing_rate_are_the_closed_form():
    biases = np.array([5e-9, 15e-9, 15.001e-9, 20e-9, 100e-9])
    periods = theory.tonic_period({**LIF, "bias_current": biases})
    expected = [lif_period(*default_neuron(bias=bias)) for bias in biases]
    np.testing.assert_allclose(periods, expected, rtol=1e-14)
    assert np.isinf(periods[:2]).all()
    rates = theory.firing_rate(biases, LIF)
    np.testing.assert_allclose(rates, [0, 0, *(1 / np.array(expected[2:]))], rtol=1e-14)
    assert theory.tonic_period(LIF) == pytest.approx(PERIOD, rel=1e-15)


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
@pytest.mark.parametrize(
    "height", [-50 * NANO, -5 * NANO, -0.5 * NANO, 0.5 * NANO, 5 * NANO, 50 * NANO]
)
@pytest.mark.parametrize("width", [0.5e-3, 2e-3, 10e-3])
def test_spike_advance_is_the_oracles(kernel, height, width):
    """Refractory (0.05), middle and late phases; delays for negative heights."""
    phases = np.array([0.05, 0.5, 0.95])
    computed = theory.spike_advance(kernel, height, width, phases, LIF)
    expected = [oracle_advance(kernel, height, width, phase) for phase in phases]
    np.testing.assert_allclose(computed, expected, rtol=0, atol=1e-9)
    assert np.all(np.sign(computed[1:]) == np.sign(height))  # advance or delay
    np.testing.assert_allclose(
        theory.phase_advance(kernel, height, width, phases, LIF), computed / PERIOD, rtol=1e-15
    )


def test_spike_advance_broadcasts_over_heterogeneous_neurons():
    random = np.random.default_rng(3)
    count = 12
    tau = random.uniform(8e-3, 12e-3, count)
    threshold = random.uniform(14e-3, 16e-3, count)
    reset = random.uniform(-2e-3, 2e-3, count)
    phase = random.uniform(0, 1, count)
    heights = np.array([-2 * NANO, 3 * NANO])[:, None]
    neurons = as_neuron(default_neuron(tau, threshold, reset))
    computed = theory.spike_advance("alpha", heights, 1e-3, phase, neurons)
    assert computed.shape == (2, count)
    for (row, column), value in np.ndenumerate(computed):
        neuron = default_neuron(tau[column], threshold[column], reset[column])
        expected = oracle_advance("alpha", heights[row, 0], 1e-3, phase[column], neuron)
        assert value == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("height", [-50 * NANO, 5 * NANO, 1e-3])
def test_box_pulse_inside_refractoriness_changes_nothing(height):
    assert theory.spike_advance("box", height, 1e-3, 0.0, LIF) == 0.0
    assert theory.spike_advance("box", height, 1e-3, 0.05, LIF) == 0.0  # ends at 1.8 ms


@pytest.mark.parametrize("kernel", ["exponential", "inverse_time", "box", "alpha"])
def test_strong_pulse_fires_at_once(kernel):
    phases = np.array([0.2, 0.5, 0.9])
    advance = theory.spike_advance(kernel, 1e-3, 1e-3, phases, LIF)
    latest = (1 - phases) * PERIOD  # a spike at the onset itself
    assert np.all(advance <= latest)
    np.testing.assert_allclose(advance, latest, rtol=0, atol=1e-4)


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
@pytest.mark.parametrize("width", [0.5e-3, 2e-3, 10e-3])
def test_advance_is_monotone_in_height(kernel, width):
    heights = np.linspace(-50, 50, 41)[:, None] * NANO
    phases = np.array([0.05, 0.3, 0.6, 0.95])
    advance = theory.spike_advance(kernel, heights, width, phases, LIF)
    assert np.all(np.diff(advance, axis=0) >= -1e-13)
    assert np.all(advance[heights[:, 0] == 0] == 0)


def test_nonfiring_neurons_and_bad_phases():
    subthreshold = default_neuron(bias=10e-9)
    assert np.isnan(theory.spike_advance("box", 5 * NANO, 1e-3, 0.5, as_neuron(subthreshold)))
    with pytest.raises(ValueError, match="phase"):
        theory.spike_advance("box", 5 * NANO, 1e-3, 1.0, LIF)


def test_small_charge_slope_default_value():
    slope = limits.small_charge_slope(LIF, CAPACITANCE)
    assert slope * 1e-12 == pytest.approx(0.00596, rel=5e-3)  # cycles per pC


def test_small_charge_slope_is_the_phase_average_of_small_pulses():
    height, width = 0.05 * NANO, 0.1e-3
    phases = (np.arange(2000) + 0.5) / 2000
    advance = theory.phase_advance("box", height, width, phases, LIF)
    per_charge = advance.mean() / (height * width)
    assert per_charge == pytest.approx(limits.small_charge_slope(LIF, CAPACITANCE), rel=2e-3)


def test_small_pulses_follow_the_linear_phase_response_curve():
    """``q tau exp(-(T - t)/tau) / (C (mu - Vt) T)``, the PRC the slope averages."""
    height, width = 0.05 * NANO, 0.1e-3
    phases = np.array([0.2, 0.5, 0.8, 0.95])
    advance = theory.phase_advance("box", height, width, phases, LIF)
    middle = phases * PERIOD + width / 2
    linear = (
        height
        * width
        * TAU
        * np.exp(-(PERIOD - middle) / TAU)
        / (CAPACITANCE * (RESISTANCE * BIAS - V_THRESHOLD) * PERIOD)
    )
    np.testing.assert_allclose(advance, linear, rtol=1e-3)


def _rate(current: float) -> float:
    return 1 / lif_period(*default_neuron(bias=current))


@pytest.mark.parametrize("height", [-10 * NANO, -3 * NANO, 2 * NANO, 20 * NANO])
@pytest.mark.parametrize("width", [50e-3, 0.2])
def test_slow_box_adds_its_rate_change_times_its_width(height, width):
    extra = limits.slow_pulse_extra_spikes("box", height, width, 2 * width, LIF)
    assert extra == pytest.approx(width * (_rate(BIAS + height) - _rate(BIAS)), rel=1e-12)


@pytest.mark.parametrize(
    ("kernel", "window"),
    [("exponential", np.inf), ("gaussian", np.inf), ("alpha", np.inf), ("inverse_time", 1.0)],
)
def test_slow_pulse_extra_spikes_is_the_integral(kernel, window):
    shape, start = get_kernel(kernel).shape, get_kernel(kernel).start
    width, heights = 0.1, np.array([-4 * NANO, 5 * NANO])
    extra = limits.slow_pulse_extra_spikes(kernel, heights, width, window, LIF)
    for height, value in zip(heights, extra, strict=True):
        stop = min(get_kernel(kernel).stop, window / width)
        expected = (
            width
            * quad(
                lambda s, h=height: _rate(BIAS + h * float(shape(s))) - _rate(BIAS),
                start,
                stop,
                limit=500,
                epsrel=1e-10,
            )[0]
        )
        assert value == pytest.approx(expected, rel=1e-4)
    with pytest.raises(ValueError, match="finite window"):
        limits.slow_pulse_extra_spikes("inverse_time", 1 * NANO, width, np.inf, LIF)


@pytest.mark.parametrize("width", [0.5e-3, 1e-3, 2e-3, 5e-3, 10e-3, 30e-3])
def test_lapicque_threshold_is_the_oracles(width):
    """From rest ``v = R I0 = 12 mV < Vt``, a box just above threshold spikes, just below
    does not (widths on the oracle's grid, so it samples the peak at the box's end)."""
    bias = 12e-9
    rheobase = limits.rheobase_current(RESISTANCE, bias, V_THRESHOLD)
    assert rheobase == pytest.approx(3e-9, rel=1e-12)
    threshold = limits.lapicque_threshold(width, TAU, rheobase)
    for factor, fires in ((1 + 1e-6, True), (1 - 1e-6, False)):
        exact = ExactLIF(
            TAU,
            RESISTANCE,
            V_THRESHOLD,
            V_RESET,
            REFRACTORY,
            bias,
            pulse=("box", 0.0, threshold * factor, width),
        )
        spike = exact.next_spike(t_from=0.0, v_from=RESISTANCE * bias, t_end=width + 5 * TAU)
        assert (spike is not None) == fires
        if fires:
            assert spike == pytest.approx(width, abs=1e-6)


def test_chronaxie_doubles_the_rheobase():
    assert limits.chronaxie(TAU) == pytest.approx(TAU * math.log(2), rel=1e-15)
    threshold = limits.lapicque_threshold(limits.chronaxie(TAU), TAU, 3e-9)
    assert threshold == pytest.approx(6e-9, rel=1e-12)
    assert limits.lapicque_threshold(1.0, TAU, 3e-9) == pytest.approx(3e-9, rel=1e-12)
