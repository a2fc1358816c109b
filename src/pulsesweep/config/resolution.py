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
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, cast

import jsonschema
import yaml

from pulsesweep.config.steps import canonical
from pulsesweep.errors import ConfigError
from pulsesweep.model.kernels import kernel_names
from pulsesweep.model.neuron import tonic_rate
from pulsesweep.model.population import check_parameter_draws

__all__ = [
    "ConfigError",
    "config_sha256",
    "config_text",
    "default_window_ms",
    "load_config",
    "load_schema",
    "resolve_config",
]

Config = dict[str, Any]


#: libyaml's safe loader where PyYAML has it (ten times faster: every job reads YAML).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_YAML_LOADER)


@functools.cache
def _schema() -> dict[str, Any]:
    text = resources.files("pulsesweep.config").joinpath("config.schema.yaml").read_text()
    schema: dict[str, Any] = _read_yaml(text)
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
        raw = _read_yaml(path.read_text()) or {}
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
    _check_finite(config, "")
    resolved: Config = _fill_defaults(_schema(), copy.deepcopy(dict(config)))
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(
        validator.iter_errors(resolved), key=lambda e: [str(part) for part in e.absolute_path]
    )
    if errors:
        raise _describe(errors[0])
    resolved = _whole_numbers_as_int(_schema(), resolved)
    _check_consistency(resolved)
    return resolved


def _check_finite(value: Any, path: str) -> None:
    """NaN and infinity pass JSON schema's comparisons; refuse them everywhere."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_finite(item, f"{path}.{index}")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(path or "<top level>", value, "a finite number")


def _whole_numbers_as_int(schema: Mapping[str, Any], value: Any) -> Any:
    """JSON schema counts 5.0 as an integer; make it the int 5 where one is expected."""
    if schema.get("type") == "integer" and isinstance(value, float):
        return int(value)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        return {
            key: _whole_numbers_as_int(properties.get(key, {}), item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_whole_numbers_as_int(schema.get("items", {}), item) for item in value]
    return value


def _fill_defaults(schema: Mapping[str, Any], instance: Any) -> Any:
    if not isinstance(instance, dict) or schema.get("type") != "object":
        return instance
    for key, subschema in schema.get("properties", {}).items():
        if key not in instance and "default" in subschema:
            instance[key] = copy.deepcopy(subschema["default"])
        if key in instance:
            instance[key] = _fill_defaults(subschema, instance[key])
    return instance


_ALLOWED_BY_KEYWORD: dict[str, Callable[[Any], str]] = {
    "minimum": lambda v: f">= {v}",
    "maximum": lambda v: f"<= {v}",
    "exclusiveMinimum": lambda v: f"> {v}",
    "exclusiveMaximum": lambda v: f"< {v}",
    "enum": lambda v: "one of " + ", ".join(map(str, v)),
    "type": lambda v: f"a value of type {v}",
    "minItems": lambda v: f"a list with at least {v} item(s)",
    "maxItems": lambda v: f"a list with at most {v} items",
    "uniqueItems": lambda v: "a list without repeated values",
    "pattern": lambda v: f"a string matching {v}",
    "contains": lambda v: f"a list that includes {v.get('const', v)}",
}


def _describe(error: jsonschema.ValidationError) -> ConfigError:
    path = ".".join(str(part) for part in error.absolute_path) or "<top level>"
    if error.validator == "additionalProperties":
        # For this keyword both the schema and the instance are objects (mappings).
        schema = cast("Mapping[str, Any]", error.schema)
        instance = cast("Mapping[str, Any]", error.instance)
        allowed_keys = sorted(schema.get("properties", {}))
        unknown = sorted(set(instance) - set(allowed_keys))
        prefix = "" if path == "<top level>" else path + "."
        return ConfigError(
            prefix + str(unknown[0]),
            instance[unknown[0]],
            "no such key; known keys here: " + ", ".join(allowed_keys),
        )
    describe = _ALLOWED_BY_KEYWORD.get(str(error.validator), lambda _: error.message)
    return ConfigError(path, error.instance, describe(error.validator_value))


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
    if not steps <= MAX_STEPS:
        raise ConfigError(
            "simulation.dt_ms",
            simulation["dt_ms"],
            f"at least {simulation['duration_s'] * 1e3 / MAX_STEPS:g} ms: at most "
            f"{MAX_STEPS:g} time steps in simulation.duration_s",
        )
    drive = network["tau_ms"] / network["capacitance_nF"] * network["bias_current_nA"]
    if not math.isfinite(drive):
        raise ConfigError(
            "network.capacitance_nF",
            network["capacitance_nF"],
            "a value for which R*I0 = tau/C * I0 is a finite voltage",
        )
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
    _check_size(config)
    _check_analysis(config, duration_ms)
    check_parameter_draws(config)


#: The most grid points of one config, and the most simulation jobs they may make.
MAX_GRID_POINTS, MAX_JOBS = 1_000_000, 100_000
#: The most pulses of one seed's schedule, and the most neurons drawn over all seeds.
MAX_PULSES, MAX_DRAWN_NEURONS = 1_000_000, 10_000_000
#: The most time steps of one run.
MAX_STEPS = 1e10


def _check_size(config: Config) -> None:
    """Grids and schedules small enough to plan (sizes only; nothing is allocated)."""
    sweep, pulses = config["sweep"], config["pulses"]
    sizes = {
        "kernel": len(sweep["kernels"]),
        "height": sum(1 for height in sweep["heights_nA"] if height != 0),
        "width": len(sweep["widths_ms"]),
        "seed": len(config["simulation"]["seeds"]),
    }
    points = math.prod(sizes.values())
    if points > MAX_GRID_POINTS:
        shape = " x ".join(f"{size} {axis}s" for axis, size in sizes.items())
        raise ConfigError(
            "sweep",
            f"{points} pulsed grid points ({shape})",
            f"at most {MAX_GRID_POINTS}: split the sweep into several configs",
        )
    batched = config["jobs"]["batch_axes"]
    jobs = math.prod(size for axis, size in sizes.items() if axis not in batched)
    if jobs > MAX_JOBS:
        raise ConfigError(
            "jobs.batch_axes",
            batched,
            f"more axes, so that the grid makes at most {MAX_JOBS} simulation jobs "
            f"(it makes {jobs})",
        )
    drawn = config["network"]["n_neurons"] * sizes["seed"]
    if drawn > MAX_DRAWN_NEURONS:
        raise ConfigError(
            "network.n_neurons",
            config["network"]["n_neurons"],
            f"at most {MAX_DRAWN_NEURONS // sizes['seed']} with {sizes['seed']} seeds "
            f"(at most {MAX_DRAWN_NEURONS} neurons drawn over all seeds)",
        )
    duration_ms = config["simulation"]["duration_s"] * 1e3
    if pulses["schedule"] == "periodic" and duration_ms / pulses["interval_ms"] > MAX_PULSES:
        raise ConfigError(
            "pulses.interval_ms",
            pulses["interval_ms"],
            f"at least {duration_ms / MAX_PULSES:g} ms: at most {MAX_PULSES} pulses per seed",
        )


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


#: The longest response window that ``analysis.window_ms: null`` gives (ms).
LONGEST_DEFAULT_WINDOW_MS = 200.0


def default_window_ms(config: Mapping[str, Any]) -> float:
    """``analysis.window_ms`` when it is null: the longest window that fits the schedule.

    ``min(200 ms, pulses.interval_ms, the run after the last pulse)``; for the
    ``phase_scan`` schedule the run after its last pulse is the simulated time after
    ``pulses.settle_ms`` and two periods of the mean neuron.
    """
    pulses, duration_ms = config["pulses"], config["simulation"]["duration_s"] * 1e3
    limits = [LONGEST_DEFAULT_WINDOW_MS, duration_ms]
    if pulses["schedule"] == "periodic":
        interval = pulses["interval_ms"]
        last = interval * (math.ceil(duration_ms / interval) - 1)
        limits += [interval, duration_ms - last if last > 0 else duration_ms]
    elif pulses["schedule"] == "explicit" and pulses["times_ms"]:
        limits.append(duration_ms - max(pulses["times_ms"]))
    elif pulses["schedule"] == "phase_scan" and (rate := tonic_rate(config["network"])) > 0:
        limits.append(duration_ms - pulses["settle_ms"] - 2e3 / rate)
    window = min(limits)
    # No room after the pulses: the checks below name the key to change instead.
    return window if window > 0 else LONGEST_DEFAULT_WINDOW_MS


def _check_analysis(config: Config, duration_ms: float) -> None:
    if config["analysis"]["window_ms"] is None:
        config["analysis"]["window_ms"] = default_window_ms(config)
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
    return yaml.safe_dump(canonical(config), sort_keys=True, default_flow_style=None)


def config_sha256(config: Mapping[str, Any]) -> str:
    """SHA-256 of :func:`config_text`; equal configs give equal hashes."""
    return hashlib.sha256(config_text(config).encode()).hexdigest()
