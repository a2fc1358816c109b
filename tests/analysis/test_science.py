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
from pulsesweep.analysis.comparison import charge_slope_theory, prc_theory, threshold_theory
from pulsesweep.analysis.thresholds import criterion_heights
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


def test_every_usable_pulse_of_the_default_grid_has_theory(tmp_path):
    """The default config's neurons (heterogeneous), kernels and widths, periodic pulses:
    every usable pulse gets a finite theory, gaussians that begin cycles before the spike
    that opens theirs included, and each measured spike advance is its theory's (at
    dt = 0.025 ms: a strong narrow pulse arriving a step or two before a spike is where
    the step-averaged current of ``precise`` errs most, about 0.1 dt at dt = 0.1 ms)."""
    defaults = resolve_config({})
    config = resolve_config(
        merge(
            {
                "simulation": {"duration_s": 2.0, "dt_ms": 0.025, "seeds": [0]},
                "pulses": {"interval_ms": 100.0},
            },
            {"sweep": {"kernels": defaults["sweep"]["kernels"], "heights_nA": [0, 0.5, 5, 50]}},
        )
    )
    simulate_to_netcdf(config, tmp_path / "default.nc")
    responses = aggregate_responses(config, [], [tmp_path / "default.nc"])
    every = responses["pulse_usable"]
    assert bool((every == every.sel(height=0.0)).all())  # the same pulses at every height
    pulsed = responses.sel(height=responses["height"] > 0)
    usable = pulsed["pulse_usable"].astype(bool)
    expected = pulsed["pulse_spike_advance_theory"]
    gaussian = pulsed.sel(kernel="gaussian")
    early = gaussian["pulse_phase"] * 15.86e-3 < 10 * gaussian["width"]  # begins before 0
    assert int((early & gaussian["pulse_usable"].astype(bool)).sum()) > 50
    assert int(usable.sum()) > 1000
    assert bool(np.isfinite(expected.where(usable, 0.0)).all())
    moved = usable & (np.abs(expected) > 1e-6)
    np.testing.assert_allclose(
        pulsed["pulse_spike_advance"].where(moved), expected.where(moved), rtol=0.02, atol=2e-7
    )


OWN_KERNELS = {
    "double_exponential": {"shape": "exp(-s) - exp(-3*s)", "start": 0, "stop": None},
    "inverse_square": {"shape": "1/(1 + s)**2", "start": 0, "stop": None},
    "two_sided": {"shape": "exp(-abs(s))", "start": -10, "stop": 10},
}


def test_own_kernels_phase_advances_are_the_theory(tmp_path):
    """A config's own kernels (exact, power-law tail, acting before the onset) at 0.5 to
    50 nA and 0.5 to 20 ms, 100 phases: every usable pulse's phase advance at the window
    end is the exact multi-spike shift of the theory (quadrature) within 2 %, or 5 µs of
    spike time (a pulse that arrives as the refractory period ends, mid-step)."""
    config = resolve_config(
        merge(
            HOMOGENEOUS_SCAN,
            {
                "kernels": OWN_KERNELS,
                "simulation": {"dt_ms": 0.025, "duration_s": 0.6, "target": "cpp_standalone"},
                "pulses": {"schedule": "phase_scan", "settle_ms": 250.0},
                "sweep": {
                    "kernels": list(OWN_KERNELS),
                    "heights_nA": [0, 0.5, 5, 50],
                    "widths_ms": [0.5, 2.0, 20.0],
                },
            },
        )
    )
    simulate_to_netcdf(config, tmp_path / "own.nc")
    responses = aggregate_responses(config, [], [tmp_path / "own.nc"])
    for kernel in OWN_KERNELS:
        for height in (0.5e-9, 5e-9, 50e-9):
            for width in (0.5e-3, 2e-3, 20e-3):
                point = responses.sel(kernel=kernel, width=width).sel(
                    height=height, method="nearest"
                )
                usable = point["pulse_usable"].values.ravel().astype(bool)
                assert usable.sum() > 50
                phase = point["pulse_phase"].values.ravel()[usable]
                expected = prc_theory(config, kernel, height, width, phase)
                np.testing.assert_allclose(
                    point["pulse_phase_advance"].values.ravel()[usable],
                    expected,
                    rtol=0.02,
                    atol=5e-6 / 15.86e-3,
                    err_msg=f"{kernel}, {height}, {width}",
                )
                theory = point["pulse_spike_advance_theory"].values.ravel()[usable]
                assert np.isfinite(theory).all()


def test_gaussian_strength_duration_is_the_theory_within_five_percent(tmp_path):
    """The height at which the mean phase advance of gaussian pulses reaches 0.1 cycles,
    measured on a grid of heights 15 % around the theory's at each width (so a theory off
    by more than that finds no crossing), equals the theory's within 5 % at every width
    of the default sweep, the wide ones that begin cycles before their peak included."""
    widths_ms = [0.5, 1.0, 2.0, 5.0, 10.0, 20.0]
    base = merge(
        HOMOGENEOUS_SCAN,
        {
            "simulation": {"duration_s": 0.6, "target": "cpp_standalone"},
            "pulses": {"settle_ms": 250.0},
            "sweep": {"kernels": ["gaussian"], "heights_nA": [0, 1], "widths_ms": widths_ms},
        },
    )
    widths = np.array(widths_ms) * 1e-3
    expected = threshold_theory(
        resolve_config(base), "gaussian", widths, "phase_advance", 0.1, 50e-9
    )
    assert np.isfinite(expected).all()
    factors = (0.85, 0.95, 1.05, 1.15)
    heights = sorted({round(float(h) * f * 1e9, 4) for h in expected for f in factors})
    config = resolve_config(merge(base, {"sweep": {"heights_nA": [0, *heights]}}))
    simulate_to_netcdf(config, tmp_path / "gaussian.nc")
    responses = aggregate_responses(config, [], [tmp_path / "gaussian.nc"])
    measured = criterion_heights(responses, "phase_advance", 0.1).sel(kernel="gaussian", seed=0)
    np.testing.assert_allclose(measured.values, expected, rtol=0.05)
