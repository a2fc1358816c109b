"""Shared fixtures: small configs that simulate in well under a second each."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from pulsesweep.config.resolution import merge_configs, resolve_config

#: A small sweep: 10 neurons, 1 s, a pulse every 100 ms.
SMALL = {
    "network": {"n_neurons": 10},
    "simulation": {"duration_s": 1.0, "seeds": [0, 1], "target": "numpy"},
    "pulses": {"interval_ms": 100.0},
    "sweep": {"kernels": ["box", "exponential"], "heights_nA": [0, 5], "widths_ms": [1.0, 3.0]},
    "analysis": {"window_ms": 50.0},
}


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``overrides`` into a copy of ``base``, as Snakemake merges configs."""
    return merge_configs(base, overrides)


@pytest.fixture
def make_config() -> Callable[..., dict[str, Any]]:
    """Resolve the small config with section overrides, e.g. ``network={"n_neurons": 1}``."""

    def make(**sections: Mapping[str, Any]) -> dict[str, Any]:
        return resolve_config(merge(SMALL, sections))

    return make


@pytest.fixture(scope="session", autouse=True)
def build_cache(tmp_path_factory) -> Path:
    """Compiled models (standalone builds, Cython extensions) go to temporary caches,
    never to the user's ~/.cache or ~/.cython."""
    import brian2 as b2

    with pytest.MonkeyPatch.context() as patch:
        cache = tmp_path_factory.mktemp("builds")
        patch.setenv("PULSESWEEP_BUILD_CACHE", str(cache))
        patch.setitem(b2.prefs, "codegen.runtime.cython.cache_dir", str(cache / "cython"))
        yield cache


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts SLURM (the ``cluster`` fixture) must carry the ``cluster``
    marker, so that `make test` (``-m "not cluster"``) never starts it."""
    for item in items:
        uses_cluster = "cluster" in getattr(item, "fixturenames", ())
        if uses_cluster and not item.get_closest_marker("cluster"):
            raise pytest.UsageError(f"{item.nodeid} starts SLURM but is not marked cluster")


ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIG = ROOT / "config" / "test.yaml"


def snakemake(
    directory: Path,
    *arguments: str,
    check: bool = True,
    env: Mapping[str, str] | None = None,
    timeout: float = 900,
):
    """Run the workflow's Snakefile in ``directory``; fail with its output if it fails."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(directory),
        *arguments,
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=None if env is None else dict(env),
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def local_test_run(tmp_path_factory) -> Path:
    """config/test.yaml run locally with `snakemake --cores 2`, once per test session."""
    directory = tmp_path_factory.mktemp("workflow")
    snakemake(directory, "--cores", "2", "--configfile", str(TEST_CONFIG))
    return directory
