"""Configuration: defaults, schema, and one clear error per bad value, before any run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import SMALL, merge

from pulsesweep.cli import main
from pulsesweep.config import load_config, load_schema, resolve_config
from pulsesweep.errors import ConfigError
from pulsesweep.kernels import KERNELS

ROOT = Path(__file__).resolve().parents[1]

BAD_CONFIGS = {
    "unknown kernel": (
        {"sweep": {"kernels": ["box", "triangle"]}},
        "sweep.kernels.1",
        "'triangle'",
        "one of exponential",
    ),
    "negative width": ({"sweep": {"widths_ms": [1.0, -2.0]}}, "sweep.widths_ms.1", "-2.0", "> 0"),
    "zero neurons": ({"network": {"n_neurons": 0}}, "network.n_neurons", "0", ">= 1"),
    "target neuron out of range": (
        {"pulses": {"schedule": "explicit", "times_ms": [10.0, 20.0], "neurons": [3, 10]}},
        "pulses.neurons.1",
        "10",
        "[0, 9]",
    ),
    "pulse after the end": (
        {"pulses": {"schedule": "explicit", "times_ms": [10.0, 1000.0], "neurons": [3, 4]}},
        "pulses.times_ms.1",
        "1000.0",
        "[0, 1000) ms",
    ),
    "wrong type": ({"network": {"n_neurons": "ten"}}, "network.n_neurons", "'ten'", "type integer"),
    "unknown key": ({"network": {"n_neuron": 5}}, "network.n_neuron", "5", "n_neurons"),
    "unknown section": ({"plots": {}}, "plots", "{}", "no such key"),
    "reset above threshold": (
        {"network": {"v_reset_mV": 20.0}},
        "network.v_reset_mV",
        "20.0",
        "below network.v_threshold_mV",
    ),
    "duration off the grid": (
        {"simulation": {"duration_s": 1.00005}},
        "simulation.duration_s",
        "1.00005",
        "whole number of time steps",
    ),
    "unequal explicit lists": (
        {"pulses": {"schedule": "explicit", "times_ms": [10.0], "neurons": [1, 2]}},
        "pulses.neurons",
        "[1, 2]",
        "one target neuron per entry",
    ),
    "unknown method": (
        {"simulation": {"method": "leapfrog"}},
        "simulation.method",
        "'leapfrog'",
        "one of precise, euler",
    ),
    "refractory shorter than a step under precise": (
        {"network": {"refractory_ms": 0.05}, "simulation": {"method": "precise"}},
        "network.refractory_ms",
        "0.05",
        "at least simulation.dt_ms (0.1 ms)",
    ),
    "repeated seed": (
        {"simulation": {"seeds": [1, 1]}},
        "simulation.seeds",
        "[1, 1]",
        "without repeated values",
    ),
    "heterogeneity too large": (
        {"network": {"heterogeneity": 0.5, "v_reset_mV": 14.0}},
        "network.heterogeneity",
        "0.5",
        "Vr < Vt",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_bad_config_fails_naming_key_value_and_allowed(case):
    overrides, key, value, allowed = BAD_CONFIGS[case]
    with pytest.raises(ConfigError) as caught:
        resolve_config(merge(SMALL, overrides))
    assert caught.value.key == key
    message = str(caught.value)
    assert f"{key} = {value}" in message
    assert allowed in message


@pytest.mark.parametrize(
    "case", ["unknown kernel", "target neuron out of range", "wrong type", "unknown key"]
)
def test_cli_rejects_bad_config_and_writes_nothing(case, tmp_path, capsys):
    overrides, key, value, _ = BAD_CONFIGS[case]
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(merge(SMALL, overrides)))
    output = tmp_path / "out" / "run.nc"
    status = main(["simulate", "--config", str(config), "--output", str(output)])
    assert status == 2
    error = capsys.readouterr().err
    assert error.count("invalid config") == 1
    assert f"{key} = {value}" in error
    assert not (tmp_path / "out").exists()


def test_selection_outside_the_config_is_rejected(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(SMALL))
    status = main(
        ["simulate", "--config", str(config), "--output", str(tmp_path / "x.nc"), "--width-ms", "7"]
    )
    assert status == 2
    assert "sweep.widths_ms = 7.0" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [config]


def test_defaults_fill_every_key_and_match_the_shipped_config():
    resolved = resolve_config({})
    shipped = load_config(ROOT / "config" / "config.yaml")
    assert resolved == shipped
    assert resolved["network"]["n_neurons"] == 100
    assert resolved["sweep"]["kernels"] == list(KERNELS)


def test_every_schema_key_has_a_description_and_a_default():
    def walk(schema, path):
        for key, sub in schema.get("properties", {}).items():
            assert "description" in sub, f"{path}{key}"
            assert "default" in sub, f"{path}{key}"
            walk(sub, f"{path}{key}.")

    walk(load_schema(), "")


def test_schema_kernel_names_come_from_the_registry():
    items = load_schema()["properties"]["sweep"]["properties"]["kernels"]["items"]
    assert items["enum"] == list(KERNELS)


def test_python_dash_m_runs_the_cli(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"network": {"n_neurons": 3}}))
    result = subprocess.run(
        [sys.executable, "-m", "pulsesweep", "config", str(config)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert yaml.safe_load(result.stdout)["network"]["n_neurons"] == 3
    assert yaml.safe_load(result.stdout)["network"]["tau_ms"] == 10.0
