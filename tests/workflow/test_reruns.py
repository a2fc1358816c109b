"""What re-runs after a config change: exactly the rules whose steps read a changed key.

Dry runs against one finished run of config/test.yaml (the session's ``local_test_run``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, TEST_CONFIG, merge, snakemake
from test_workflow import planned_jobs

pytestmark = pytest.mark.slow

PLOTS = {"plot_responses"}
EXAMPLES = {"simulate_examples", "plot_examples"}
THEORY = {"theory_curves"}
EVERYTHING_BUT_THE_BUILD = {"simulate", "aggregate", *PLOTS, *EXAMPLES, "all"}


def reversed_order(value):
    if isinstance(value, dict):
        return {key: reversed_order(value[key]) for key in reversed(list(value))}
    return value


def plan(directory, tmp_path, config) -> dict[str, int]:
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(directory, "-n", "--cores", "1", "--configfile", str(path))
    output = result.stdout + result.stderr
    return {} if "Nothing to be done" in output else planned_jobs(result.stdout)


@pytest.mark.parametrize(
    ("change", "expected", "simulate_jobs"),
    [
        pytest.param(
            {"sweep": {"kernels": ["box", "alpha", "gaussian"]}},
            {*EVERYTHING_BUT_THE_BUILD, *THEORY},
            2,
            id="a new kernel",
        ),
        pytest.param(
            {"figures": {"formats": ["png", "pdf"]}},
            {*PLOTS, "plot_examples", "all"},
            0,
            id="figures.formats",
        ),
        pytest.param(
            {"figures": {"example_height_nA": 2.0}},
            {*PLOTS, *EXAMPLES, "all"},
            0,
            id="figures.example_height_nA",
        ),
        pytest.param(
            {"analysis": {"window_ms": 60.0}},
            {"aggregate", *PLOTS, *EXAMPLES, *THEORY, "all"},
            0,
            id="analysis.window_ms",
        ),
        pytest.param(
            {"analysis": {"criterion_value": 0.2}},
            {"aggregate", *PLOTS, *THEORY, "all"},
            0,
            id="analysis.criterion_value",
        ),
        pytest.param(
            {"network": {"tau_ms": 12.0}},
            {*EVERYTHING_BUT_THE_BUILD, *THEORY},
            4,
            id="network.tau_ms",
        ),
        pytest.param(  # more pulses: the compiled model's shape changes too
            {"pulses": {"interval_ms": 80.0}},
            {"build_simulator", *EVERYTHING_BUT_THE_BUILD},
            4,
            id="pulses.interval_ms",
        ),
        pytest.param(
            {"simulation": {"target": "cython"}},
            EVERYTHING_BUT_THE_BUILD,
            4,
            id="simulation.target",
        ),
        pytest.param(
            {"jobs": {"batch_axes": ["kernel", "height", "width"]}},
            {"build_simulator", "simulate", "aggregate", *PLOTS, "all"},
            2,
            id="jobs.batch_axes",
        ),
    ],
)
def test_a_change_reruns_exactly_the_rules_that_read_it(
    local_test_run, tmp_path, change, expected, simulate_jobs
):
    config = merge(yaml.safe_load(TEST_CONFIG.read_text()), change)
    jobs = plan(local_test_run, tmp_path, config)
    assert set(jobs) == expected
    assert jobs.get("simulate", 0) == simulate_jobs


def test_reordered_keys_rerun_nothing(local_test_run, tmp_path):
    config = reversed_order(yaml.safe_load(TEST_CONFIG.read_text()))
    config["analysis"] = {"criterion_metric": None, **config["analysis"]}  # a default, given
    assert plan(local_test_run, tmp_path, config) == {}


def test_plain_snakemake_uses_the_default_profile(tmp_path):
    """`snakemake -n --cores 1` in the project directory, as a user types it."""
    for name in ("Snakefile", "workflow", "profiles", "config", "scripts", "envs", "src"):
        (tmp_path / name).symlink_to(ROOT / name)
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["snakemake", "-n", "--cores", "1"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "Using workflow specific profile profiles/default" in result.stdout + result.stderr
    assert "simulate" in planned_jobs(result.stdout)
    profile = yaml.safe_load((ROOT / "profiles" / "default" / "config.yaml").read_text())
    assert {"rerun-incomplete", "keep-going", "rerun-triggers"} <= set(profile)
