"""What the models are known for, measured by the sweep: the Hodgkin–Huxley neuron's
phase-response curve has a negative lobe (a pulse early in the cycle delays the next
spike: type II), the LIF's and the AdEx's do not (type I), and the phase-scan schedule
of a model puts each pulse where it was designed, in the measured control cycle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pulsesweep.analysis.aggregate import aggregate_responses
from pulsesweep.config.resolution import merge_configs, read_config_file, resolve_config
from pulsesweep.simulation.job import simulate_to_netcdf

ROOT = Path(__file__).resolve().parents[2]

#: One phase scan per model: 20 neurons, one box pulse each, on the compiled target.
SCAN = {
    "simulation": {"seeds": [0], "target": "cpp_standalone"},
    "network": {"n_neurons": 20},
    "pulses": {"schedule": "phase_scan"},
    "sweep": {"kernels": ["box"], "widths_ms": [1.0]},
    "analysis": {"window_ms": 60.0},
}
#: Each model's pulse height (nA) and the rest of its config (the examples', the LIF's
#: defaults); the AdEx settles past its adaptation's transient.
MODELS = {
    "hh": (2.0, {"simulation": {"duration_s": 0.9}}),
    "adex": (0.5, {"simulation": {"duration_s": 1.0}, "pulses": {"settle_ms": 500.0}}),
    "lif": (5.0, {"simulation": {"duration_s": 0.6}}),
}


def scan_config(name: str) -> dict:
    height, extra = MODELS[name]
    files = [ROOT / "config" / "config.yaml"]
    if name != "lif":
        files.append(ROOT / "config" / "examples" / f"{name}.yaml")
    merged = merge_configs(
        *(read_config_file(path) for path in files),
        SCAN,
        {"sweep": {"heights_nA": [0, height]}},
        extra,
    )
    return resolve_config(merged)


#: Five compiled builds: in `make test`, not in the other Pythons' `make test-fast`.
SLOW = pytest.mark.slow


@pytest.fixture(scope="module", params=sorted(MODELS))
def scan(request, tmp_path_factory):
    config = scan_config(request.param)
    path = tmp_path_factory.mktemp(request.param) / "scan.nc"
    simulate_to_netcdf(config, path, controls=True)
    responses = aggregate_responses(config, [], [path])
    pulsed = responses.sel(kernel="box", width=1e-3, seed=0).isel(height=-1)
    usable = pulsed["pulse_usable"].values.astype(bool)
    return request.param, config, pulsed, usable


@SLOW
def test_every_pulse_is_usable_at_its_designed_phase(scan):
    name, config, pulsed, usable = scan
    n = config["network"]["n_neurons"]
    assert usable.all(), name
    phase = pulsed["pulse_phase"].values
    designed = pulsed["pulse_neuron"].values / n
    distance = np.abs((phase - designed + 0.5) % 1.0 - 0.5)  # on the circle
    step = config["simulation"]["dt_ms"] * 1e-3 / pulsed["pulse_control_period"].values
    assert (distance <= step).all(), name  # onsets on the time grid


@SLOW
def test_only_the_hodgkin_huxley_neuron_has_a_negative_lobe(scan):
    name, config, pulsed, usable = scan
    phase = pulsed["pulse_phase"].values[usable]
    advance = pulsed["pulse_phase_advance"].values[usable]
    step = config["simulation"]["dt_ms"] * 1e-3 / np.nanmedian(pulsed["pulse_control_period"])
    if name == "hh":
        early = (phase > 0.2) & (phase < 0.5)
        assert (advance[early] < 0).all()  # delays early in the cycle
        assert advance.min() < -0.03
        assert advance.max() > 0.05  # advances late in the cycle
    else:
        # Type I: never a delay (spikes on the grid of Brian2's methods: one step).
        assert advance.min() >= -step, name
        assert advance.max() > 0.02, name


def test_a_model_below_rheobase_is_measured_in_extra_spikes(tmp_path):
    """The excitable regime, as for the LIF: controls that never fire have no phase, and
    the strength–duration criterion counts evoked spikes instead."""
    from pulsesweep.analysis.thresholds import criterion

    merged = merge_configs(
        read_config_file(ROOT / "config" / "config.yaml"),
        read_config_file(ROOT / "config" / "examples" / "adex.yaml"),
        {
            "network": {"n_neurons": 4, "bias_current_nA": 0.3},  # rheobase about 0.6 nA
            "simulation": {"duration_s": 0.5, "seeds": [0], "target": "numpy"},
            "pulses": {"schedule": "periodic", "interval_ms": 100.0},
            "sweep": {"kernels": ["box"], "heights_nA": [0, 0.2, 5.0], "widths_ms": [2.0]},
            "analysis": {"window_ms": 50.0},
        },
    )
    config = resolve_config(merged)
    path = tmp_path / "excitable.nc"
    simulate_to_netcdf(config, path, controls=True)
    responses = aggregate_responses(config, [], [path])
    assert np.isnan(responses["pulse_control_period"]).all()
    assert np.isnan(responses["phase_advance"]).all()
    extra = responses["extra_spikes"].sel(kernel="box", width=2e-3, seed=0)
    assert float(extra.sel(height=0.0)) == 0
    assert float(extra.sel(height=5e-9)) >= 1  # a strong pulse evokes a spike
    assert criterion(config, responses)[0] == "extra_spikes"
    assert criterion(config)[0] == "phase_advance"  # before any measurement
