"""Response science against LIF theory, end to end: simulate, aggregate, compare.

Homogeneous populations of the default neuron with the precise method, so every pulse
can be held to the closed form of :mod:`pulsesweep.theory.lif` (itself checked against the
independent oracle in lif_exact.py, test_theory.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL, merge

from pulsesweep.analysis.aggregate import aggregate_responses
from pulsesweep.analysis.comparison import charge_slope_theory, prc_theory
from pulsesweep.config.resolution import resolve_config
from pulsesweep.simulation.job import simulate_to_netcdf

HOMOGENEOUS_SCAN = merge(
    SMALL,
    {
        "network": {"n_neurons": 100, "heterogeneity": 0.0},
        "simulation": {"duration_s": 0.5, "seeds": [0], "method": "precise"},
        "pulses": {"schedule": "phase_scan", "settle_ms": 100.0},
        "analysis": {"window_ms": 100.0},
    },
)


def _responses(tmp_path, **sweep):
    config = resolve_config(merge(HOMOGENEOUS_SCAN, {"sweep": sweep}))
    simulate_to_netcdf(config, tmp_path / "scan.nc")
    return config, aggregate_responses(config, [], [tmp_path / "scan.nc"])


def test_phase_response_curve_is_the_theory_within_two_percent(tmp_path):
    """Weak box and alpha pulses at 100 phases: each measured advance equals the exact
    advance of its neuron and phase within 2 % (the linear regime: one shifted spike)."""
    _, responses = _responses(
        tmp_path, kernels=["box", "alpha"], heights_nA=[0, 0.5], widths_ms=[0.5, 2.0]
    )
    pulsed = responses.sel(height=responses["height"] > 0)
    measured = pulsed["pulse_spike_advance"]
    expected = pulsed["pulse_spike_advance_theory"]
    assert int(np.isfinite(expected).sum()) == 2 * 2 * 100  # every pulse covered
    moved = expected > 1e-6  # not refractory: the pulse moved the spike by > 1 µs
    assert int(moved.sum()) > 300
    # 2 %, or 0.2 µs, the precise method's accuracy at dt = 0.1 ms (docs: Accuracy): a
    # pulse arriving as the refractory period ends mid-step shares that step's average
    np.testing.assert_allclose(measured.where(moved), expected.where(moved), rtol=0.02, atol=2e-7)
    assert float(np.abs(measured - expected).where(moved).median()) < 1e-8


def test_small_charge_slope_of_the_mean_phase_advance(tmp_path):
    """Under phase_scan the phases are uniform, so the mean phase advance of weak pulses
    grows with their charge at the slope (tau/T)^2 (Vt - Vr) / (C (R I0 - Vr)(R I0 - Vt)):
    0.00596 per pC for the default neuron."""
    config, responses = _responses(
        tmp_path, kernels=["box", "exponential"], heights_nA=[0, 0.1, 0.2, 0.4], widths_ms=[0.5]
    )
    expected = charge_slope_theory(config) * 1e-12
    assert expected == pytest.approx(0.00596, rel=1e-3)
    for kernel in ("box", "exponential"):
        pulsed = responses.sel(kernel=kernel, height=responses["height"] > 0).squeeze()
        charge = pulsed["charge"].values * 1e12
        slope = np.polyfit(charge, pulsed["phase_advance"].values, 1)[0]
        assert slope == pytest.approx(expected, rel=0.03), kernel


def test_hyperpolarising_pulses_delay_as_the_theory_says(tmp_path):
    _, responses = _responses(tmp_path, kernels=["gaussian"], heights_nA=[-2, 0], widths_ms=[1.0])
    pulsed = responses.sel(height=-2e-9).squeeze()
    expected = pulsed["pulse_spike_advance_theory"]
    moved = expected < -1e-6
    assert int(moved.sum()) > 50
    np.testing.assert_allclose(
        pulsed["pulse_spike_advance"].where(moved), expected.where(moved), rtol=0.02
    )


def test_phase_advance_at_the_window_end_is_the_theory(tmp_path):
    """The phase advance read at the window's end, extra spikes and all, against the exact
    multi-spike shift of each pulse, strong and long pulses included."""
    config, responses = _responses(
        tmp_path, kernels=["box", "alpha"], heights_nA=[0, 5, 20], widths_ms=[2.0, 10.0]
    )
    assert float(responses["pulse_phase_advance"].max()) > 1.5  # some pulses add spikes
    for kernel in ("box", "alpha"):
        for height in (5e-9, 20e-9):
            for width in (2e-3, 10e-3):
                point = responses.sel(kernel=kernel, width=width).sel(
                    height=height, method="nearest"
                )
                phase = point["pulse_phase"].values.ravel()
                expected = prc_theory(config, kernel, height, width, phase)
                np.testing.assert_allclose(
                    point["pulse_phase_advance"].values.ravel(),
                    expected,
                    rtol=0.02,
                    atol=2e-5,
                    err_msg=f"{kernel}, {height}, {width}",
                )
