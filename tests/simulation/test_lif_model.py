"""The simulated LIF neurons against closed-form solutions that do not use Brian2.

Both the default ``precise`` method and ``euler`` (the forum thread's) are checked, each to
its own accuracy: ``precise`` to within rounding, ``euler`` to within a few time steps.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from lif_exact import ExactLIF, lif_period

from pulsesweep.model.grid import GridPoint
from pulsesweep.simulation.job import simulate
from pulsesweep.simulation.reader import read_spike_trains

DT = 1e-4
#: How close each method's spike times come to the closed forms (s): on the bias alone,
#: and with a pulse (precise: the current is its step average; the issue's 5 µs).
TOLERANCE = {"precise": 1e-9, "euler": 3 * DT}
PULSE_TOLERANCE = {"precise": 5e-6, "euler": 3 * DT}

# (tau ms, Vt mV, Vr mV, I0 nA, t_ref ms): R = tau / 10 nF
PARAMETER_SETS = [
    (10.0, 15.0, 0.0, 20.0, 2.0),
    (20.0, 10.0, -5.0, 12.0, 0.1),  # refractory period of one step, the least precise allows
    (5.0, 20.0, 10.0, 45.0, 3.5),
]


def _single_neuron(
    make_config, tau, vt, vr, bias, t_ref, duration=1.0, pulses=None, method="precise", **sweep
):
    pulses = pulses or {"schedule": "explicit", "times_ms": [], "neurons": []}
    return make_config(
        network={
            "n_neurons": 1,
            "tau_ms": tau,
            "v_threshold_mV": vt,
            "v_reset_mV": vr,
            "bias_current_nA": bias,
            "refractory_ms": t_ref,
            "heterogeneity": 0.0,
            "v_init": "reset",
        },
        simulation={"duration_s": duration, "seeds": [0], "method": method},
        pulses=pulses,
        sweep=sweep or {"kernels": ["box"], "heights_nA": [0], "widths_ms": [1.0]},
    )


@pytest.mark.parametrize("method", TOLERANCE)
@pytest.mark.parametrize(("tau", "vt", "vr", "bias", "t_ref"), PARAMETER_SETS)
def test_unpulsed_period_matches_closed_form(make_config, method, tau, vt, vr, bias, t_ref):
    config = _single_neuron(make_config, tau, vt, vr, bias, t_ref, method=method)
    spikes = read_spike_trains(simulate(config, [GridPoint("box", 0.0, 1e-3, 0)]), 0, 0)
    expected = lif_period(
        tau * 1e-3, tau * 1e-3 / 10e-9, bias * 1e-9, vt * 1e-3, vr * 1e-3, t_ref * 1e-3
    )
    intervals = np.diff(spikes)
    assert len(intervals) >= 10
    np.testing.assert_allclose(intervals, expected, rtol=0, atol=TOLERANCE[method])


def test_euler_runs_without_a_refractory_period(make_config):
    """The thread's runs: euler accepts t_ref = 0, which precise refuses (config tests)."""
    config = _single_neuron(make_config, 20.0, 10.0, -5.0, 12.0, 0.0, method="euler")
    spikes = read_spike_trains(simulate(config, [GridPoint("box", 0.0, 1e-3, 0)]), 0, 0)
    expected = lif_period(2e-2, 2e6, 12e-9, 1e-2, -5e-3, 0.0)
    np.testing.assert_allclose(np.diff(spikes), expected, atol=2 * DT)


@pytest.mark.parametrize("drive_over_threshold", [0.999, 0.9, 0.5])
def test_neuron_below_threshold_never_fires(make_config, drive_over_threshold):
    # R * I0 = drive * Vt with R = 10 ms / 10 nF = 1 Mohm, Vt = 15 mV
    bias_nA = drive_over_threshold * 15.0
    config = _single_neuron(make_config, 10.0, 15.0, 0.0, bias_nA, 2.0)
    assert math.isinf(lif_period(1e-2, 1e6, bias_nA * 1e-9, 15e-3, 0.0, 2e-3))
    dataset = simulate(config, [GridPoint("box", 0.0, 1e-3, 0)])
    assert dataset.sizes["spike"] == 0


@pytest.mark.parametrize("method", PULSE_TOLERANCE)
@pytest.mark.parametrize(
    ("kernel", "onset_ms", "height_nA", "width_ms"),
    [
        ("box", 55.37, 10.0, 2.0),
        ("box", 61.0, 3.0, 7.5),
        ("exponential", 55.37, 10.0, 3.0),
        ("exponential", 48.02, 20.0, 0.7),
    ],
)
def test_pulse_response_matches_exact_solution(
    make_config, method, kernel, onset_ms, height_nA, width_ms
):
    tau, vt, vr, bias, t_ref = PARAMETER_SETS[0]
    config = _single_neuron(
        make_config,
        tau,
        vt,
        vr,
        bias,
        t_ref,
        duration=0.2,
        method=method,
        pulses={"schedule": "explicit", "times_ms": [onset_ms], "neurons": [0]},
        kernels=[kernel],
        heights_nA=[height_nA],
        widths_ms=[width_ms],
    )
    point = GridPoint(kernel, height_nA * 1e-9, width_ms * 1e-3, 0)
    simulated = read_spike_trains(simulate(config, [point]), 0, 0)
    exact = ExactLIF(
        tau=1e-2,
        resistance=1e6,
        v_threshold=vt * 1e-3,
        v_reset=vr * 1e-3,
        refractory=t_ref * 1e-3,
        bias=bias * 1e-9,
        pulse=(kernel, onset_ms * 1e-3, height_nA * 1e-9, width_ms * 1e-3),
    )
    unpulsed = ExactLIF(**{**exact.__dict__, "pulse": None})
    # From each simulated spike, the closed form predicts the next one.
    starts = [(0.0, vr * 1e-3)] + [(t + t_ref * 1e-3, vr * 1e-3) for t in simulated[:-1]]
    predicted = [exact.next_spike(t, v, 0.2) for t, v in starts]
    np.testing.assert_allclose(simulated, predicted, rtol=0, atol=PULSE_TOLERANCE[method])
    # ...and the pulse really moved a spike: the unpulsed prediction is far off there.
    without_pulse = [unpulsed.next_spike(t, v, 0.2) for t, v in starts]
    assert np.max(np.abs(np.subtract(without_pulse, simulated))) > 5 * DT


@pytest.mark.parametrize(
    ("tau", "vt", "vr", "bias", "t_ref"), [*PARAMETER_SETS, (10.0, 15.0, 0.0, 14.0, 2.0)]
)
def test_tonic_rate_is_the_inverse_closed_form_period(tau, vt, vr, bias, t_ref):
    from pulsesweep.model.neuron import tonic_rate

    network = {
        "tau_ms": tau,
        "v_threshold_mV": vt,
        "v_reset_mV": vr,
        "bias_current_nA": bias,
        "refractory_ms": t_ref,
        "capacitance_nF": 10.0,
        "v_rest_mV": 0.0,
    }
    period = lif_period(
        tau * 1e-3, tau * 1e-3 / 10e-9, bias * 1e-9, vt * 1e-3, vr * 1e-3, t_ref * 1e-3
    )
    assert tonic_rate(network) == pytest.approx(0.0 if math.isinf(period) else 1 / period)
