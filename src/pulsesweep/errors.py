"""Errors raised by pulsesweep for bad input."""

from __future__ import annotations

from typing import Any

__all__ = ["ConfigError", "SimulationFileError"]


class ConfigError(ValueError):
    """An invalid configuration value.

    Parameters
    ----------
    key
        Dotted path of the offending key, e.g. ``"network.n_neurons"``.
    value
        The value that was given.
    allowed
        What would have been accepted.
    """

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"invalid config: {key} = {value!r}; allowed: {allowed}")


class SimulationFileError(ValueError):
    """A simulation file that is missing, truncated or breaks the data contract."""
