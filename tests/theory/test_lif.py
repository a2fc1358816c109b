"""The closed-form LIF theory against the independent oracle in ``lif_exact.py``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lif_exact import KERNEL_NAMES, ExactLIF, lif_period, pulse_response
from scipy.integrate import quad

from pulsesweep import theory
from pulsesweep.analysis import responses
from pulsesweep.model.kernels import get_kernel
from pulsesweep.model.neuron import as_neuron
from pulsesweep.theory import limits

#: The default neuron: tau = 10 ms, C = 10 nF, R = tau / C = 1 MOhm, R I0 = 20 mV.
TAU, CAPACITANCE = 10e-3, 10e-9
RESISTANCE = TAU / CAPACITANCE
BIAS, V_THRESHOLD, V_RESET, REFRACTORY = 20e-9, 15e-3, 0.0, 2e-3
NEURON = (TAU, RESISTANCE, BIAS, V_THRESHOLD, V_RESET, REFRACTORY)
LIF = as_neuron(NEURON)  # the same neuron as the theory takes it
PERIOD = lif_period(*NEURON)
NANO = 1e-9


def _oracle_advance(
    kernel: str, height: float, width: float, phase: float, neuron: tuple[float, ...] = NEURON
) -> float:
    """From the oracle's train: the control's first spike at or after the window opens
    (``t0 + onset w``; after the spike at 0 when that is not before it) minus the pulsed
    train's, as :func:`responses.pulse_response` measures it."""
    period = lif_period(*neuron)
    t_open = phase * period + get_kernel(kernel).response_onset * width
    pulsed = _oracle_train(kernel, height, width, phase, t_open + 10 * (period + width), neuron)
    control = period * np.arange(-1000, 1000)
    after = t_open if t_open < 0 else max(t_open, period / 2)
    return float(control[control >= after][0] - pulsed[pulsed >= t_open][0])


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
    expected = [
        lif_period(TAU, RESISTANCE, bias, V_THRESHOLD, V_RESET, REFRACTORY) for bias in biases
    ]
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
    expected = [_oracle_advance(kernel, height, width, phase) for phase in phases]
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
    neurons = as_neuron((tau, tau / CAPACITANCE, BIAS, threshold, reset, REFRACTORY))
    computed = theory.spike_advance("alpha", heights, 1e-3, phase, neurons)
    assert computed.shape == (2, count)
    for (row, column), value in np.ndenumerate(computed):
        neuron = (
            tau[column],
            tau[column] / CAPACITANCE,
            BIAS,
            threshold[column],
            reset[column],
            REFRACTORY,
        )
        expected = _oracle_advance("alpha", heights[row, 0], 1e-3, phase[column], neuron)
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
    subthreshold = (TAU, RESISTANCE, 10e-9, V_THRESHOLD, V_RESET, REFRACTORY)
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
    return 1 / lif_period(TAU, RESISTANCE, current, V_THRESHOLD, V_RESET, REFRACTORY)


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


def _oracle_train(
    kernel: str,
    height: float,
    width: float,
    phase: float,
    horizon: float,
    neuron: tuple[float, ...] = NEURON,
) -> np.ndarray:
    """The pulsed train before ``horizon`` from the oracle: from the last control spike
    (at a multiple of ``T``, 0 or earlier) before the pulse's current begins, each next
    spike from ``Vr`` at the end of the previous refractory period, the pulse acting."""
    tau, resistance, bias, threshold, reset, refractory = neuron
    period = lif_period(*neuron)
    exact = ExactLIF(
        tau,
        resistance,
        threshold,
        reset,
        refractory,
        bias,
        pulse=(kernel, phase * period, height, width),
    )
    begins = phase * period + get_kernel(kernel).start * width
    spikes = [period * min(0, math.floor(begins / period))]
    while (spike := exact.next_spike(spikes[-1] + refractory, reset, horizon)) is not None:
        spikes.append(spike)
    return np.array(spikes)


def _oscillator_phase(spikes: np.ndarray, time: float, period: float) -> float:
    """Spikes before ``time`` plus the fraction of a period since the last (NaN if none)."""
    count = int(np.searchsorted(spikes, time, side="left"))
    return count + (time - spikes[count - 1]) / period if count else np.nan


def _oracle_shift(
    kernel: str,
    height: float,
    width: float,
    phase: float,
    horizon: float,
    neuron: tuple[float, ...] = NEURON,
) -> float:
    """``[phi_p - phi_c](horizon) - [phi_p - phi_c](t_open)`` from the oracle's train and
    the control ``..., -T, 0, T, 2T, ...``."""
    period = lif_period(*neuron)
    pulsed = _oracle_train(kernel, height, width, phase, horizon, neuron)
    control = period * np.arange(round(pulsed[0] / period), math.ceil(horizon / period) + 1)
    t_open = phase * period + get_kernel(kernel).response_onset * width
    shift = [
        _oscillator_phase(pulsed, time, period) - _oscillator_phase(control, time, period)
        for time in (t_open, horizon)
    ]
    return shift[1] - shift[0]


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
        _oracle_shift(kernel, height, width, phase, horizon)
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
    pulsed = _oracle_train(kernel, 50 * NANO, width, phase, horizon)
    assert len(pulsed) - math.ceil(horizon / PERIOD) == extra
    shift = theory.phase_shift(kernel, 50 * NANO, width, phase, LIF, horizon)
    assert shift == pytest.approx(_oracle_shift(kernel, 50 * NANO, width, phase, horizon), abs=1e-9)
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
    pulsed = _oracle_train("gaussian", height, width, phase, horizon)
    pulsed_in_cycle = (pulsed > -PERIOD / 2) & (pulsed < t_open)
    assert np.count_nonzero(pulsed_in_cycle) == 2  # at 0 (or a hair before) and one more
    control = PERIOD * np.arange(round(pulsed[0] / PERIOD), 20)
    opening = _oscillator_phase(pulsed, t_open, PERIOD) - _oscillator_phase(control, t_open, PERIOD)
    assert opening > 0.4  # the early spike: not subtracting this would be wrong by as much
    measured = responses.pulse_response(
        pulsed, control, onset, 3 * width, horizon - t_open, duration=1.0
    ).phase_advance
    shift = theory.phase_shift("gaussian", height, width, phase, LIF, horizon)
    assert shift == pytest.approx(measured, abs=1e-9)
    assert shift == pytest.approx(
        _oracle_shift("gaussian", height, width, phase, horizon), abs=1e-9
    )


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
    neurons = as_neuron((tau, tau / CAPACITANCE, BIAS, threshold, V_RESET, REFRACTORY))
    computed = theory.phase_shift("exponential", heights, 4e-3, phase, neurons, 0.12)
    assert computed.shape == (2, count)
    for (row, column), value in np.ndenumerate(computed):
        neuron = (
            tau[column],
            tau[column] / CAPACITANCE,
            BIAS,
            threshold[column],
            V_RESET,
            REFRACTORY,
        )
        expected = _oracle_shift("exponential", heights[row, 0], 4e-3, phase[column], 0.12, neuron)
        assert value == pytest.approx(expected, abs=1e-9)
    assert isinstance(theory.phase_shift("box", 5 * NANO, 1e-3, 0.5, LIF, 0.1), np.float64)


def test_phase_shift_of_nonfiring_neurons_and_bad_inputs():
    subthreshold = (TAU, RESISTANCE, 10e-9, V_THRESHOLD, V_RESET, REFRACTORY)
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
