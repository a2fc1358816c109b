"""Configuration: defaults, schema, and one clear error per bad value, before any run."""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import SMALL, merge

from pulsesweep.cli import main
from pulsesweep.config.resolution import load_config, load_schema, resolve_config
from pulsesweep.errors import ConfigError
from pulsesweep.model.kernels import KERNELS

ROOT = Path(__file__).resolve().parents[2]

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
    "explicit window longer than the interval": (
        {"pulses": {"interval_ms": 100.0}, "analysis": {"window_ms": 150.0}},
        "analysis.window_ms",
        "150.0",
        "at most pulses.interval_ms (100.0)",
    ),
    "not a number": ({"network": {"tau_ms": float("nan")}}, "network.tau_ms", "nan", "finite"),
    "infinite duration": (
        {"simulation": {"duration_s": float("inf")}},
        "simulation.duration_s",
        "inf",
        "finite",
    ),
    "too many grid points": (
        {"sweep": {"heights_nA": list(range(1, 1001)), "widths_ms": list(range(1, 1001))}},
        "sweep",
        "'4000000 pulsed grid points (2 kernels x 1000 heights",
        "at most 1000000",
    ),
    "too many jobs": (
        {
            "sweep": {"heights_nA": list(range(1, 1001)), "widths_ms": list(range(1, 201))},
            "jobs": {"batch_axes": []},
        },
        "jobs.batch_axes",
        "[]",
        "at most 100000 simulation jobs (it makes 800000)",
    ),
    "too many pulses": (
        {"pulses": {"interval_ms": 1e-4}, "simulation": {"duration_s": 1000.0}},
        "pulses.interval_ms",
        "0.0001",
        "at most 1000000 pulses per seed",
    ),
    "phase_scan pulses that begin before the neurons fire": (
        {
            "pulses": {"schedule": "phase_scan", "settle_ms": 100.0},
            "simulation": {"duration_s": 2.0},
            "sweep": {"kernels": ["box", "gaussian"], "widths_ms": [1.0, 20.0]},
        },
        "pulses.settle_ms",
        "100.0",
        "at least 231.7 (or null) for the phase_scan schedule: the longest lead",
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


@pytest.mark.parametrize(
    ("overrides", "expected_ms"),
    [
        ({"pulses": {"interval_ms": 500.0}, "simulation": {"duration_s": 10.0}}, 200.0),
        ({"pulses": {"interval_ms": 100.0}}, 100.0),  # the interval, not 200
        ({"pulses": {"interval_ms": 300.0}, "simulation": {"duration_s": 1.05}}, 150.0),
        ({"pulses": {"schedule": "explicit", "times_ms": [10.0, 920.0], "neurons": [0, 1]}}, 80.0),
        (
            {
                "pulses": {"schedule": "phase_scan", "settle_ms": 100.0},
                "simulation": {"duration_s": 0.3},
                "sweep": {"kernels": ["box", "alpha"]},
            },
            300.0 - 100.0 - 2 * (2 + 10 * math.log(20 / 5)),
        ),
    ],
    ids=["default", "short interval", "run after the last pulse", "explicit", "phase_scan"],
)
def test_null_window_is_the_longest_that_fits(overrides, expected_ms):
    """Defaults never make a valid config invalid: min(200 ms, interval, run after)."""
    config = resolve_config(merge({"simulation": {"duration_s": 1.0}}, overrides))
    assert config["analysis"]["window_ms"] == pytest.approx(expected_ms, abs=0.01)
    assert resolve_config(config) == config  # resolving again changes nothing


def test_whole_floats_become_integers_where_the_schema_wants_them():
    config = resolve_config({"network": {"n_neurons": 5.0}, "simulation": {"seeds": [0.0, 2]}})
    assert config["network"]["n_neurons"] == 5
    assert isinstance(config["network"]["n_neurons"], int)
    assert [type(seed) for seed in config["simulation"]["seeds"]] == [int, int]


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


def test_the_sweep_names_built_in_kernels_or_the_configs_own():
    own = {"kernels": {"ramp": {"shape": "s"}}}
    resolved = resolve_config(own | {"sweep": {"kernels": ["ramp", *KERNELS]}}, science=False)
    assert resolved["kernels"]["ramp"] == {
        "shape": "s",
        "start": 0,
        "stop": None,
        "response_onset": None,
    }
    with pytest.raises(ConfigError) as error:
        resolve_config(own | {"sweep": {"kernels": ["box", "rampe"]}}, science=False)
    assert str(error.value) == (
        f"invalid config: sweep.kernels.1 = 'rampe'; allowed: one of {', '.join(KERNELS)}, "
        "ramp (or a kernel defined under kernels)"
    )


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


def test_config_files_merge_as_snakemake_merges_them(tmp_path):
    """Later files over earlier ones, key by key: Snakemake's own update_config is the
    oracle."""
    from snakemake.utils import update_config

    from pulsesweep.config.resolution import load_config, merge_configs

    base = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    mine = {"network": {"n_neurons": 7}, "sweep": {"widths_ms": [2.0]}, "pulses": {}}
    expected = copy.deepcopy(base)
    update_config(expected, mine)
    assert merge_configs(base, mine) == expected
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(mine))
    merged = load_config(ROOT / "config" / "config.yaml", tmp_path / "mine.yaml")
    assert merged["network"]["n_neurons"] == 7
    assert merged["network"]["tau_ms"] == base["network"]["tau_ms"]
    assert merged["sweep"]["widths_ms"] == [2.0]
    assert merged["sweep"]["kernels"] == base["sweep"]["kernels"]


@pytest.mark.parametrize(
    ("contents", "problem"),
    [
        (None, "no such file"),
        ("dir", "a directory, not a file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
        ("network:\n  n_neurons: [1\n", "not valid YAML (line 3, column 1"),
        ("- a\n- b\n", "holds a list, not a mapping of sections"),
    ],
    ids=["missing", "directory", "binary", "bad YAML", "a list"],
)
def test_a_bad_config_file_fails_in_one_line_naming_the_file(tmp_path, contents, problem):
    from pulsesweep.config.resolution import load_config
    from pulsesweep.errors import InputError

    path = tmp_path / "my.yaml"
    if contents == "dir":
        path.mkdir()
    elif isinstance(contents, bytes):
        path.write_bytes(contents)
    elif contents is not None:
        path.write_text(contents)
    with pytest.raises(InputError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {problem}")
    assert "\n" not in message


def test_an_empty_config_file_is_every_default():
    from pulsesweep.config.resolution import read_config_file

    assert read_config_file("/dev/null") == {}


def test_strings_from_the_command_line_become_what_the_schema_asks_for():
    """Snakemake passes `--config 'sweep={"widths_ms": [1, 2.5]}'` as strings."""
    given = {
        "network": {"n_neurons": "10", "tau_ms": "1e1"},
        "sweep": {"widths_ms": ["1", "2.5"], "kernels": ["box"]},
        "analysis": {"window_ms": "null"},
        "simulation": {"seeds": ["0", "3"]},
    }
    typed = {
        "network": {"n_neurons": 10, "tau_ms": 10.0},
        "sweep": {"widths_ms": [1, 2.5], "kernels": ["box"]},
        "analysis": {"window_ms": None},
        "simulation": {"seeds": [0, 3]},
    }
    assert resolve_config(given, science=False) == resolve_config(typed, science=False)
    with pytest.raises(ConfigError, match=r"sweep\.widths_ms\.0 = 'one'.*--configfile my\.yaml"):
        resolve_config({"sweep": {"widths_ms": ["one"]}}, science=False)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"sweep": {"heights_nA": [0]}}, "sweep.heights_nA"),
        ({"pulses": {"interval_ms": 20000.0}}, "pulses.interval_ms"),
        ({"pulses": {"schedule": "explicit", "times_ms": [], "neurons": []}}, "pulses.times_ms"),
        ({"analysis": {"window_ms": 0.05}}, "analysis.window_ms"),
    ],
    ids=["controls only", "no pulse in the run", "no explicit times", "window under a step"],
)
def test_a_sweep_that_measures_nothing_is_refused_naming_the_key(change, key):
    from pulsesweep.config.checks import check_sweep

    config = resolve_config(merge(SMALL, change))  # it still simulates: controls, say
    with pytest.raises(ConfigError) as caught:
        check_sweep(config)
    assert caught.value.key == key
    check_sweep(resolve_config(SMALL))  # the small sweep measures


def test_phase_scan_settles_long_enough_for_every_kernel_by_default():
    """A null settle_ms is the longest lead of a swept kernel's current before its onset
    plus two periods of the mean neuron (at least 100 ms): every pulse begins after its
    neuron fires tonically, so none is lost from the means."""
    period_ms = 2 + 10 * math.log(20 / 5)  # the default neuron's
    scan = {"pulses": {"schedule": "phase_scan"}, "simulation": {"duration_s": 2.0}}
    wide = merge(scan, {"sweep": {"kernels": ["box", "gaussian"], "widths_ms": [1.0, 20.0]}})
    assert resolve_config(wide)["pulses"]["settle_ms"] == pytest.approx(200 + 2 * period_ms)
    causal = merge(scan, {"sweep": {"kernels": ["box", "alpha"]}})
    assert resolve_config(causal)["pulses"]["settle_ms"] == 100.0
    assert resolve_config({})["pulses"]["settle_ms"] == 100.0  # periodic: unused


def test_snakemake_reads_the_models_section_through_its_reference():
    """``models:`` lives in ``models.schema.yaml``: Snakemake's ``validate`` of the
    workflow's schema follows the reference, accepting a model the package accepts and
    refusing one with a key the section lacks, as the package does."""
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    schema = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")
    model = {"equations": "dv/dt = -v / (10*ms) : volt", "threshold": "v > 1*mV"}
    good = {"models": {"m": model}}
    assert resolve_config(good)["models"]["m"]["reset"] == ""  # the section's default
    validate(copy.deepcopy(good), schema)
    bad = {"models": {"m": {**model, "bogus": 1}}}
    with pytest.raises(ConfigError, match=r"models\.m\.bogus"):
        resolve_config(bad)
    with pytest.raises(WorkflowError):
        validate(bad, schema)
