"""Absolute potentials: ``tau dv/dt = v_rest - v + R I``, with every potential of the
config and of the files on one absolute scale."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import SMALL, merge

from pulsesweep.analysis.aggregate import aggregate_responses
from pulsesweep.config import resolve_config
from pulsesweep.errors import ConfigError
from pulsesweep.model import grid_points
from pulsesweep.simulation import read_spike_trains, simulate, simulate_to_netcdf

FROM_REST = {"v_rest_mV": 0.0, "v_threshold_mV": 15.0, "v_reset_mV": 0.0}
BRIAN_STYLE = {"v_rest_mV": -70.0, "v_threshold_mV": -55.0, "v_reset_mV": -70.0}


def test_the_same_neurons_on_an_absolute_scale_spike_at_the_same_times():
    """Shifting rest, threshold and reset together changes no spike; the files' potentials
    move by v_rest."""
    relative = resolve_config(merge(SMALL, {"network": FROM_REST}))
    absolute = resolve_config(merge(SMALL, {"network": BRIAN_STYLE}))
    expected = simulate(relative, grid_points(relative))
    actual = simulate(absolute, grid_points(absolute))
    assert actual["train"].shape == expected["train"].shape  # (point, neuron)
    for point in range(expected.sizes["point"]):
        for neuron in range(expected.sizes["neuron"]):
            np.testing.assert_array_equal(
                read_spike_trains(actual, point, neuron),
                read_spike_trains(expected, point, neuron),
                err_msg=f"point {point}, neuron {neuron}",
            )
    assert float(actual["v_rest"]) == pytest.approx(-70e-3)
    for name in ("v_threshold", "v_reset", "v_initial"):
        shifted = expected[name].values - 70e-3
        np.testing.assert_allclose(actual[name].values, shifted, rtol=0, atol=1e-15)
    assert float(actual["v_threshold"].mean()) == pytest.approx(-55e-3, abs=2e-3)


def test_the_period_is_the_closed_form_with_the_resting_potential(make_config):
    """An identical population (heterogeneity 0) fires with ``T = t_ref + tau ln((v_rest +
    R I0 - Vr) / (v_rest + R I0 - Vt))``, computed here from the absolute values."""
    network = {**BRIAN_STYLE, "heterogeneity": 0.0, "v_init": "reset"}
    config = make_config(network=network, sweep={"heights_nA": [0], "widths_ms": [1.0]})
    run = simulate(config, grid_points(config, heights_nA=[0], seeds=[0])[:1])
    tau, rest, threshold, reset = 10e-3, -70e-3, -55e-3, -70e-3
    drive = rest + tau / 10e-9 * 20e-9  # R I0 above rest
    period = 2e-3 + tau * math.log((drive - reset) / (drive - threshold))
    intervals = np.diff(read_spike_trains(run, 0, 0))
    np.testing.assert_allclose(intervals, period, rtol=0, atol=1e-9)


def test_the_theory_of_every_pulse_does_not_depend_on_where_zero_is(tmp_path):
    """The per-pulse LIF theory from files with absolute potentials equals the theory
    from files measured from rest."""
    advances = []
    for name, network in (("relative", FROM_REST), ("absolute", BRIAN_STYLE)):
        config = resolve_config(merge(SMALL, {"network": network}))
        path = simulate_to_netcdf(config, tmp_path / f"{name}.nc", controls=True)
        responses = aggregate_responses(config, [], [path])
        advances.append(responses["pulse_spike_advance_theory"].values)
        assert float(responses["v_rest"]) == network["v_rest_mV"] * 1e-3
    assert np.isfinite(advances[0]).sum() > 10
    np.testing.assert_allclose(advances[1], advances[0], rtol=0, atol=1e-12)


def test_brian_style_potentials_without_the_resting_potential_are_refused():
    network = {"v_threshold_mV": -50.0, "v_reset_mV": -60.0, "bias_current_nA": 0.0}
    with pytest.raises(ConfigError, match=r"network\.v_threshold_mV = -50\.0;.*v_rest_mV"):
        resolve_config(merge(SMALL, {"network": network}))
