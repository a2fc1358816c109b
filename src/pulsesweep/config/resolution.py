"""Configuration: load, fill in defaults and validate, before any simulation runs.

Every key, its description and its default live in ``config.schema.yaml`` beside this
module (the ``models:`` section in ``models.schema.yaml``, which it refers to).
:func:`resolve_config` returns a complete, checked copy of a user's config; every
problem is reported as a :class:`ConfigError` that names the key path, the value given
and what is allowed.
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

from pulsesweep.config.checks import check_consistency, check_science
from pulsesweep.config.steps import canonical
from pulsesweep.errors import ConfigError, InputError, file_problem

__all__ = [
    "ConfigError",
    "config_sha256",
    "config_text",
    "load_config",
    "load_schema",
    "merge_configs",
    "read_config_file",
    "resolve_config",
]

Config = dict[str, Any]


#: libyaml's safe loader where PyYAML has it (ten times faster: every job reads YAML).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_YAML_LOADER)


@functools.cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = _with_parts(_schema_file("config.schema.yaml"))
    return schema


def _schema_file(name: str) -> Any:
    return _read_yaml(resources.files("pulsesweep.config").joinpath(name).read_text())


def _with_parts(node: Any) -> Any:
    """``node`` with each ``{"$ref": FILE}`` replaced by that schema file beside this one
    (a section kept in a file of its own, its ``$schema`` dropped), as Snakemake's
    ``validate`` resolves it."""
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            part = _schema_file(node["$ref"])
            return _with_parts({key: part[key] for key in part if key != "$schema"})
        return {key: _with_parts(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_parts(value) for value in node]
    return node


def load_schema() -> dict[str, Any]:
    """The configuration's JSON schema."""
    return copy.deepcopy(_schema())


def read_config_file(path: str | Path) -> Config:
    """The mapping a YAML config file holds (an empty file holds no keys), unresolved.

    Raises
    ------
    InputError
        If the file is missing, unreadable, not text, not YAML (with the line and column
        of the first error) or not a mapping of sections.
    """
    path = Path(path)
    remedy = "give the path of a YAML config file (see config/config.yaml)"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(path, file_problem(error), remedy) from None
    except UnicodeDecodeError:
        raise InputError(path, "not a text file", remedy) from None
    try:
        raw = _read_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise InputError(path, f"not valid YAML ({where}{problem})", "fix the YAML there") from None
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        found = type(raw).__name__
        raise InputError(path, f"holds a {found}, not a mapping of sections", remedy)
    return dict(raw)


def merge_configs(*configs: Mapping[str, Any]) -> Config:
    """Later configs over earlier ones, key by key at every level of nesting: how
    Snakemake merges ``--configfile my.yaml`` over the Snakefile's ``config/config.yaml``
    (a list is replaced, not merged)."""
    merged: Config = {}
    for config in configs:
        for key, value in config.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
                merged[key] = merge_configs(merged[key], value)
            else:
                merged[key] = copy.deepcopy(value)
    return merged


def load_config(*paths: str | Path, science: bool = True) -> Config:
    """Read YAML config files, merge them in order (:func:`merge_configs`) and resolve the
    result (:func:`resolve_config`). ``load_config("config/config.yaml", "my.yaml")`` is
    the config that ``snakemake --configfile my.yaml`` runs."""
    if not paths:
        raise TypeError("load_config needs at least one config file")
    return resolve_config(merge_configs(*(read_config_file(path) for path in paths)), science)


def resolve_config(config: Mapping[str, Any], science: bool = True) -> Config:
    """Validate ``config`` against the schema and fill in every default.

    Parameters
    ----------
    config
        A (possibly partial) configuration; it is not modified.
    science
        Also run the checks that need the science stack (numpy): the populations each
        seed draws (:func:`~pulsesweep.config.checks.check_science`). The Snakefile plans
        without them, with the standard library, PyYAML and jsonschema alone, and runs
        them in the workflow's first job.

    Returns
    -------
    dict
        A complete configuration with every key present.

    Raises
    ------
    ConfigError
        For the first problem found, naming the key, the value and what is allowed.
    """
    config = _from_strings(_schema(), dict(config))
    _check_finite(config, "")
    resolved: Config = _fill_defaults(_schema(), copy.deepcopy(dict(config)))
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(
        validator.iter_errors(resolved), key=lambda e: [str(part) for part in e.absolute_path]
    )
    if errors:
        raise _describe(errors[0])
    resolved = _whole_numbers_as_int(_schema(), resolved)
    check_consistency(resolved)
    if science:
        check_science(resolved)
    return resolved


_NULLS = ("null", "Null", "NULL", "~", "")
_BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False}


def _child(schema: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The schema of ``key`` in an object: its property's, or that of every other entry."""
    properties = schema.get("properties", {})
    if key in properties:
        return cast("Mapping[str, Any]", properties[key])
    entries = schema.get("additionalProperties")
    return entries if isinstance(entries, Mapping) else {}


def _from_strings(schema: Mapping[str, Any], value: Any) -> Any:
    """Strings where the schema wants a number, null or a boolean, as those: Snakemake
    passes the nested values of ``--config 'sweep={"widths_ms": [1, 2]}'`` as strings."""
    if isinstance(value, dict):
        return {key: _from_strings(_child(schema, key), item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_strings(schema.get("items", {}), item) for item in value]
    if not isinstance(value, str):
        return value
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if "null" in kinds and value in _NULLS:
        return None
    if "boolean" in kinds and value in _BOOLEANS:
        return _BOOLEANS[value]
    if {"number", "integer"} & set(kinds):
        for number in (int, float):  # as YAML reads it: 1 is an int, 1.0 and 1e-3 floats
            try:
                return number(value)
            except ValueError:
                continue
    return value


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
        return {
            key: _whole_numbers_as_int(_child(schema, key), item) for key, item in value.items()
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
    entries = schema.get("additionalProperties")
    if isinstance(entries, Mapping):  # a mapping of named entries, e.g. kernels
        for key in set(instance) - set(schema.get("properties", {})):
            instance[key] = _fill_defaults(entries, instance[key])
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
    allowed = describe(error.validator_value)
    if error.validator == "type" and isinstance(error.instance, str):
        allowed += _COMMAND_LINE_HINT
    return ConfigError(path, error.instance, allowed)


#: Where a string is refused: values given with ``snakemake --config`` are strings.
_COMMAND_LINE_HINT = (
    " (a value given with `snakemake --config` is a string; give it in a YAML file "
    "instead: `snakemake --configfile my.yaml`)"
)


def config_text(config: Mapping[str, Any]) -> str:
    """Canonical YAML text of a resolved config (sorted keys), stored in every file."""
    return yaml.safe_dump(canonical(config), sort_keys=True, default_flow_style=None)


def config_sha256(config: Mapping[str, Any]) -> str:
    """SHA-256 of :func:`config_text`; equal configs give equal hashes."""
    return hashlib.sha256(config_text(config).encode()).hexdigest()
