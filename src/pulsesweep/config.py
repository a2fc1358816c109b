"""Configuration: load, fill in defaults and validate, before any simulation runs.

Every key, its description and its default live in ``config.schema.yaml`` beside this
module. :func:`resolve_config` returns a complete, checked copy of a user's config;
every problem is reported as a :class:`ConfigError` that names the key path, the value
given and what is allowed.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from pulsesweep.errors import ConfigError
from pulsesweep.kernels import kernel_names
from pulsesweep.population import check_parameter_draws, tonic_rate

__all__ = [
    "ConfigError",
    "config_sha256",
    "config_text",
    "load_config",
    "load_schema",
    "n_steps",
    "resolve_config",
]

Config = dict[str, Any]


@functools.cache
def _schema() -> dict[str, Any]:
    text = resources.files("pulsesweep").joinpath("config.schema.yaml").read_text()
    schema = yaml.safe_load(text)
    kernels = schema["properties"]["sweep"]["properties"]["kernels"]["items"]
    kernels["enum"] = kernel_names()
    return schema


def load_schema() -> dict[str, Any]:
    """The configuration's JSON schema, with the kernel names from the registry."""
    return copy.deepcopy(_schema())


def load_config(path: str | Path) -> Config:
    """Read a YAML config file and resolve it (see :func:`resolve_config`)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(str(path), "<unparsable YAML>", f"valid YAML ({error})") from None
    if not isinstance(raw, Mapping):
        raise ConfigError("<top level>", raw, "a mapping of sections")
    return resolve_config(raw)


def resolve_config(config: Mapping[str, Any]) -> Config:
    """Validate ``config`` against the schema and fill in every default.

    Parameters
    ----------
    config
        A (possibly partial) configuration; it is not modified.

    Returns
    -------
    dict
        A complete configuration with every key present.

    Raises
    ------
    ConfigError
        For the first problem found, naming the key, the value and what is allowed.
    """
    resolved = _fill_defaults(_schema(), copy.deepcopy(dict(config)))
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(
        validator.iter_errors(resolved), key=lambda e: [str(part) for part in e.absolute_path]
    )
    if errors:
        raise _describe(errors[0])
    _check_consistency(resolved)
    return resolved


def _fill_defaults(schema: Mapping[str, Any], instance: Any) -> Any:
    if not isinstance(instance, dict) or schema.get("type") != "object":
        return instance
    for key, subschema in schema.get("properties", {}).items():
        if key not in instance and "default" in subschema:
            instance[key] = copy.deepcopy(subschema["default"])
        if key in instance:
            instance[key] = _fill_defaults(subschema, instance[key])
    return instance


_ALLOWED_BY_KEYWORD = {
    "minimum": lambda v: f">= {v}",
    "maximum": lambda v: f"<= {v}",
    "exclusiveMinimum": lambda v: f"> {v}",
    "exclusiveMaximum": lambda v: f"< {v}",
    "enum": lambda v: "one of " + ", ".join(map(str, v)),
    "type": lambda v: f"a value of type {v}",
    "minItems": lambda v: f"a list with at least {v} item(s)",
    "uniqueItems": lambda v: "a list without repeated values",
    "pattern": lambda v: f"a string matching {v}",
    "contains": lambda v: f"a list that includes {v.get('const', v)}",
}


def _describe(error: jsonschema.ValidationError) -> ConfigError:
    path = ".".join(str(part) for part in error.absolute_path) or "<top level>"
    if error.validator == "additionalProperties":
        allowed_keys = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed_keys))
        prefix = "" if path == "<top level>" else path + "."
        return ConfigError(
            prefix + str(unknown[0]),
            error.instance[unknown[0]],
            "no such key; known keys here: " + ", ".join(allowed_keys),
        )
    describe = _ALLOWED_BY_KEYWORD.get(str(error.validator), lambda _: error.message)
    return ConfigError(path, error.instance, describe(error.validator_value))


def n_steps(config: Mapping[str, Any]) -> int:
    """Number of integration steps of one simulation."""
    simulation = config["simulation"]
    return round(simulation["duration_s"] * 1e3 / simulation["dt_ms"])


def _check_consistency(config: Config) -> None:
    """Checks that relate several keys, which a JSON schema cannot express."""
    network, simulation, pulses = config["network"], config["simulation"], config["pulses"]
    if network["v_reset_mV"] >= network["v_threshold_mV"]:
        raise ConfigError(
            "network.v_reset_mV",
            network["v_reset_mV"],
            f"a value below network.v_threshold_mV ({network['v_threshold_mV']})",
        )
    steps = simulation["duration_s"] * 1e3 / simulation["dt_ms"]
    if not math.isclose(steps, round(steps), rel_tol=0, abs_tol=1e-6):
        raise ConfigError(
            "simulation.duration_s",
            simulation["duration_s"],
            f"a whole number of time steps of simulation.dt_ms ({simulation['dt_ms']} ms)",
        )
    if simulation["method"] == "precise" and network["refractory_ms"] < simulation["dt_ms"]:
        raise ConfigError(
            "network.refractory_ms",
            network["refractory_ms"],
            f"at least simulation.dt_ms ({simulation['dt_ms']} ms) with simulation.method "
            "precise, which finds at most one spike per neuron and step (or another method)",
        )
    duration_ms = simulation["duration_s"] * 1e3
    if pulses["schedule"] == "explicit":
        _check_explicit_schedule(pulses, network["n_neurons"], duration_ms)
    _check_analysis(config, duration_ms)
    check_parameter_draws(config)


def _check_explicit_schedule(pulses: Config, n_neurons: int, duration_ms: float) -> None:
    times, neurons = pulses["times_ms"], pulses["neurons"]
    if len(times) != len(neurons):
        raise ConfigError(
            "pulses.neurons",
            neurons,
            f"one target neuron per entry of pulses.times_ms ({len(times)} entries)",
        )
    for index, time in enumerate(times):
        if not 0 <= time < duration_ms:
            raise ConfigError(
                f"pulses.times_ms.{index}", time, f"a time in [0, {duration_ms:g}) ms"
            )
    for index, neuron in enumerate(neurons):
        if not 0 <= neuron < n_neurons:
            raise ConfigError(
                f"pulses.neurons.{index}", neuron, f"a neuron index in [0, {n_neurons - 1}]"
            )


def _check_analysis(config: Config, duration_ms: float) -> None:
    window, pulses = config["analysis"]["window_ms"], config["pulses"]
    if pulses["schedule"] == "periodic" and window > pulses["interval_ms"]:
        raise ConfigError(
            "analysis.window_ms", window, f"at most pulses.interval_ms ({pulses['interval_ms']})"
        )
    if window > duration_ms:
        raise ConfigError(
            "analysis.window_ms", window, f"at most the simulated time ({duration_ms:g} ms)"
        )
    rate = tonic_rate(config["network"])
    metric = config["analysis"]["criterion_metric"]
    if rate == 0 and metric in ("phase_advance", "spike_advance"):
        raise ConfigError(
            "analysis.criterion_metric",
            metric,
            "extra_spikes or null when the neurons do not fire tonically "
            "(R*I0 <= Vt: phase metrics are undefined)",
        )
    if pulses["schedule"] == "phase_scan" and rate > 0:
        needed = pulses["settle_ms"] + 2e3 / rate + window
        if needed > duration_ms:
            raise ConfigError(
                "simulation.duration_s",
                config["simulation"]["duration_s"],
                f"at least {needed / 1e3:g} s for the phase_scan schedule: pulses.settle_ms, "
                "two periods of the mean neuron and analysis.window_ms",
            )
    figures, sweep = config["figures"], config["sweep"]
    for key, axis in (("prc_height_nA", "heights_nA"), ("prc_width_ms", "widths_ms")):
        value = figures[key]
        if value is not None and value not in sweep[axis]:
            raise ConfigError(
                f"figures.{key}", value, f"null or a value of sweep.{axis}: {sweep[axis]}"
            )


def config_text(config: Mapping[str, Any]) -> str:
    """Canonical YAML text of a resolved config (sorted keys), stored in every file."""
    return yaml.safe_dump(dict(config), sort_keys=True, default_flow_style=None)


def config_sha256(config: Mapping[str, Any]) -> str:
    """SHA-256 of :func:`config_text`; equal configs give equal hashes."""
    return hashlib.sha256(config_text(config).encode()).hexdigest()
