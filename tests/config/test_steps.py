"""Each step's config keys: declared once, used as its rule's params and as its view."""

from __future__ import annotations

import pytest
import yaml

from pulsesweep.config.resolution import config_text, load_schema, resolve_config
from pulsesweep.config.steps import STEPS, UndeclaredConfigKey, canonical


def reversed_order(value):
    """The same mapping with its keys in reverse order at every level."""
    if isinstance(value, dict):
        return {key: reversed_order(value[key]) for key in reversed(list(value))}
    return value


def test_every_declared_key_is_a_config_key():
    schema = load_schema()
    for step in STEPS.values():
        for path in step.reads:
            node = schema
            for part in path.split("."):
                assert part in node.get("properties", {}), f"{step.name}: no key {path}"
                node = node["properties"][part]


def test_params_ignore_key_order(make_config):
    config = make_config()
    shuffled = reversed_order(config)
    assert list(shuffled) != list(config)
    for step in STEPS.values():
        assert repr(step.params(shuffled)) == repr(step.params(config))
    assert config_text(shuffled) == config_text(config)


def test_params_hold_exactly_the_declared_keys(make_config):
    config = make_config()
    params = STEPS["examples"].params(config)
    expected = {
        "analysis": {"window_ms": config["analysis"]["window_ms"]},
        "figures": {
            "example_height_nA": config["figures"]["example_height_nA"],
            "example_width_ms": config["figures"]["example_width_ms"],
        },
        "kernels": {},
        "models": {},
        "network": canonical(config["network"]),
        "pulses": canonical(config["pulses"]),
        "simulation": canonical(config["simulation"]),
        "sweep": {"kernels": config["sweep"]["kernels"]},
    }
    assert params == expected
    assert list(params) == sorted(params)
    assert "seeds" not in STEPS["simulate"].params(config)["simulation"]


def test_view_refuses_undeclared_keys_and_keeps_declared_ones(make_config):
    config = make_config()
    view = STEPS["simulate"].view(config)
    assert view["network"] == config["network"]
    assert view["simulation"]["dt_ms"] == config["simulation"]["dt_ms"]
    with pytest.raises(UndeclaredConfigKey, match="simulate step read config key sweep"):
        view["sweep"]
    with pytest.raises(UndeclaredConfigKey, match=r"key simulation\.seeds"):
        view["simulation"].get("seeds")
    with pytest.raises(KeyError):
        view["no_such_section"]
    assert view.get("no_such_section", 1) == 1


def test_view_resolves_again_to_itself(make_config):
    """A step's view is what its files store: it must read back as the same keys."""
    config = make_config()
    for step in STEPS.values():
        text = config_text(step.view(config))
        assert yaml.safe_load(text) == step.params(config)


def test_simulation_file_stores_the_simulate_steps_keys(make_config):
    from pulsesweep.model.grid import grid_points
    from pulsesweep.simulation.job import simulate

    config = make_config(
        sweep={"kernels": ["box"], "heights_nA": [5], "widths_ms": [1.0]}, simulation={"seeds": [0]}
    )
    dataset = simulate(config, grid_points(config))
    assert yaml.safe_load(dataset.attrs["config"]) == STEPS["simulate"].params(config)
    other_sweep = resolve_config({**config, "sweep": {**config["sweep"], "widths_ms": [1, 2]}})
    assert STEPS["simulate"].params(other_sweep) == STEPS["simulate"].params(config)
