"""The phase-scan protocol: every neuron pulsed once, at a designed phase of its own cycle."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL, merge

from pulsesweep.analysis.aggregate import aggregate_responses
from pulsesweep.config.resolution import resolve_config
from pulsesweep.errors import ConfigError
from pulsesweep.model.schedule import make_schedule
from pulsesweep.simulation.job import simulate_to_netcdf

PHASE_SCAN = merge(
    SMALL,
    {
        "pulses": {"schedule": "phase_scan", "settle_ms": 150.0},
        "sweep": {"kernels": ["box"], "heights_nA": [0, 2], "widths_ms": [1.0]},
    },
)


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    config = resolve_config(PHASE_SCAN)
    path = tmp_path_factory.mktemp("scan") / "scan.nc"
    simulate_to_netcdf(config, path)
    return config, aggregate_responses(config, [], [path])


def test_every_neuron_is_pulsed_once_and_usable(scan):
    config, responses = scan
    n_neurons = config["network"]["n_neurons"]
    for seed in config["simulation"]["seeds"]:
        neurons = responses["pulse_neuron"].sel(seed=seed).values
        np.testing.assert_array_equal(np.sort(neurons), np.arange(n_neurons))
    usable = responses["pulse_usable"].sel(kernel="box", height=2e-9, width=1e-3)
    assert int(usable.sum()) == n_neurons * len(config["simulation"]["seeds"])


def test_measured_phases_are_the_designed_phases(scan):
    """Neuron j is pulsed at phase j/n of its control cycle, as measured in the control."""
    config, responses = scan
    n_neurons = config["network"]["n_neurons"]
    measured = responses["pulse_phase"].sel(kernel="box", height=2e-9, width=1e-3)
    designed = responses["pulse_neuron"] / n_neurons
    distance = np.abs((measured - designed + 0.5) % 1.0 - 0.5)  # on the circle
    period = responses["pulse_control_period"].sel(kernel="box", height=2e-9, width=1e-3)
    assert (distance <= 0.5 * 1e-4 / period + 1e-9).all()  # onsets rounded to the grid
    assert (responses["pulse_time"] >= 0.15).all()  # after the settling time


def test_scan_depends_on_the_seed_only():
    """Common random numbers: kernels and heights do not move the scan; seeds do."""
    base = resolve_config(PHASE_SCAN)
    other = resolve_config(merge(PHASE_SCAN, {"sweep": {"kernels": ["alpha"], "heights_nA": [5]}}))
    for seed in (0, 1):
        np.testing.assert_array_equal(
            make_schedule(base, seed).times, make_schedule(other, seed).times
        )
    assert not np.array_equal(make_schedule(base, 0).times, make_schedule(base, 1).times)


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"network": {"bias_current_nA": 12.0}}, "pulses.schedule"),  # R*I0 = 12 mV < Vt
        ({"simulation": {"duration_s": 0.2}}, "simulation.duration_s"),
    ],
)
def test_phase_scan_needs_tonic_neurons_and_time(overrides, key):
    with pytest.raises(ConfigError) as caught:
        resolve_config(merge(PHASE_SCAN, overrides))
    assert caught.value.key == key
