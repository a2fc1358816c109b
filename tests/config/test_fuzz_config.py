"""Fuzzed configs: every config either plans a sweep or fails with a ConfigError naming a key.

Hypothesis mutates a small valid config: wrong types, out-of-range and boundary values,
missing and unknown keys, huge grids. Each result must resolve and plan (what the
Snakefile does before any job: jobs, builds, files, params, resource estimates), or fail
with a :class:`ConfigError` that names a key of the config. Nothing else: no other
exception. A few of the configs also go through a real `snakemake -n`, which must print
no traceback and write nothing.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from conftest import merge, snakemake
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pulsesweep.config.resolution import load_schema, resolve_config
from pulsesweep.config.steps import STEPS
from pulsesweep.errors import ConfigError
from pulsesweep.jobs import job_files, model_shapes, simulation_jobs

#: Small enough to plan in milliseconds; every key of the schema can be mutated.
BASE = {
    "network": {"n_neurons": 4},
    "simulation": {"duration_s": 1.0, "seeds": [0, 1], "target": "numpy"},
    "pulses": {"interval_ms": 100.0},
    "sweep": {"kernels": ["box", "alpha"], "heights_nA": [0, 5], "widths_ms": [1.0, 2.0]},
}
SCHEMA = load_schema()


def key_paths(schema: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for key, sub in schema.get("properties", {}).items():
        paths.append((*prefix, key))
        paths.extend(key_paths(sub, (*prefix, key)))
    return paths


PATHS = key_paths(SCHEMA)


def subschema(path: tuple[str, ...]) -> dict[str, Any]:
    node = SCHEMA
    for part in path:
        node = node["properties"][part]
    return node


def boundary_values(path: tuple[str, ...]) -> list[Any]:
    node, values = subschema(path), [0, -1, 1, 0.5, 5e-324, 1e-300, 1e200, 1e300, -1e300]
    for keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if keyword in node:
            limit = node[keyword]
            values += [limit, limit - 1, limit + 1, limit - 1e-9, limit + 1e-9]
    values += list(node.get("enum", []))
    return values


ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.one_of(st.integers(-5, 5), st.floats(-10, 10), st.text(max_size=3)), max_size=4),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
HUGE_AXES = st.fixed_dictionaries(
    {
        "heights_nA": st.lists(
            st.floats(-100, 100, allow_nan=False), min_size=1, max_size=1200, unique=True
        ),
        "widths_ms": st.lists(st.floats(0.01, 50), min_size=1, max_size=1200, unique=True),
    }
)


@st.composite
def mutated_configs(draw) -> tuple[dict[str, Any], set[str]]:
    """A mutated copy of BASE, and the unknown keys the mutation added."""
    config, unknown = copy.deepcopy(BASE), set()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        action = draw(st.sampled_from(["delete", "any", "boundary", "unknown", "huge"]))
        parent = config
        for part in path[:-1]:
            if not isinstance(parent.get(part), dict):
                parent[part] = {}
            parent = parent[part]
        if action == "delete":
            parent.pop(path[-1], None)
        elif action == "any":
            parent[path[-1]] = draw(ANY_VALUE)
        elif action == "boundary":
            parent[path[-1]] = draw(st.sampled_from(boundary_values(path)))
        elif action == "unknown":
            name = draw(st.from_regex(r"[a-z_]{1,8}", fullmatch=True))
            parent[name] = draw(ANY_VALUE)
            unknown.add(".".join([*path[:-1], name]))
        else:
            sweep = config.get("sweep")
            config["sweep"] = {**(sweep if isinstance(sweep, dict) else {}), **draw(HUGE_AXES)}
            axes = draw(st.sampled_from([[], ["height"], ["height", "width"]]))
            config["jobs"] = {"batch_axes": axes}
    return config, unknown


def plan(config: dict[str, Any]) -> None:
    """What the Snakefile computes before any job runs."""
    jobs = simulation_jobs(config)
    model_shapes(config)
    job_files(config, control=True)
    job_files(config, control=False)
    for job in list(jobs.values())[:20]:
        job.parameters(config)
        job.memory_mb(config)
        job.runtime_min(config)
    for step in STEPS.values():
        step.params(config)


def assert_names_a_key(error: ConfigError, unknown: set[str]) -> None:
    assert str(error).startswith(f"invalid config: {error.key} = ")
    head = error.key.split(".")[0]
    assert head in SCHEMA["properties"] or error.key in unknown or head == "<top level>", error


@settings(
    max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", 300)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutated_configs())
def test_fuzzed_config_plans_or_fails_naming_a_key(case):
    config, unknown = case
    try:
        resolved = resolve_config(config)
    except ConfigError as error:
        assert_names_a_key(error, unknown)
        event(f"fails naming {error.key.split('.')[0]}")
        return
    plan(resolved)
    event("plans")


@pytest.mark.slow
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=mutated_configs())
def test_fuzzed_config_dry_runs_or_fails_before_any_job(tmp_path_factory, case):
    config, _ = case
    directory = tmp_path_factory.mktemp("fuzz")
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(merge({}, config)))
    result = snakemake(directory, "-n", "--cores", "1", "--configfile", str(path), check=False)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    if result.returncode == 0:
        assert "Job stats" in output or "Nothing to be done" in output
    else:
        assert output.count("invalid config: ") == 1, output
    assert not (directory / "results").exists()
