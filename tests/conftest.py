"""Shared fixtures: small configs that simulate in well under a second each."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from pulsesweep.config import resolve_config

#: A small sweep: 10 neurons, 1 s, a pulse every 100 ms.
SMALL = {
    "network": {"n_neurons": 10},
    "simulation": {"duration_s": 1.0, "seeds": [0, 1], "target": "numpy"},
    "pulses": {"interval_ms": 100.0},
    "sweep": {"kernels": ["box", "exponential"], "heights_nA": [0, 5],
              "widths_ms": [1.0, 3.0]},
    "analysis": {"window_ms": 50.0},
}


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``overrides`` into a copy of ``base``."""
    merged = copy.deepcopy(dict(base))
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@pytest.fixture
def make_config() -> Callable[..., dict[str, Any]]:
    """Resolve the small config with section overrides, e.g. ``network={"n_neurons": 1}``."""

    def make(**sections: Mapping[str, Any]) -> dict[str, Any]:
        return resolve_config(merge(SMALL, sections))

    return make
