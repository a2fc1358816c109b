"""The run of one simulation: its duration, time step, integration method and target."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from pulsesweep.model.neuron_model import LIF_MODEL

__all__ = ["Method", "Run", "Target"]

Method = Literal["precise", "exact", "euler", "exponential_euler", "rk2", "rk4", "heun"]
Target = Literal["numpy", "cython", "cpp_standalone"]


@dataclass(frozen=True)
class Run:
    """The ``simulation`` section of a config as typed values in SI units.

    Attributes
    ----------
    duration
        Simulated time (s).
    dt
        Integration time step (s).
    method
        ``precise`` (the LIF's exact integration, spikes off the grid) or one of Brian2's
        methods (a model of ``models:`` has its own).
    target
        Brian2's code-generation target.
    """

    duration: float
    dt: float
    method: Method
    target: Target

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Run:
        """The run of a resolved config (its ``simulation`` section; the method of the
        model ``network.model`` names, unless it is the LIF)."""
        simulation = config["simulation"]
        model = config["network"].get("model", LIF_MODEL)
        method = simulation["method"] if model == LIF_MODEL else config["models"][model]["method"]
        return cls(
            duration=float(simulation["duration_s"]),
            dt=simulation["dt_ms"] * 1e-3,
            method=method,
            target=simulation["target"],
        )

    @property
    def n_steps(self) -> int:
        """Number of integration steps."""
        return round(self.duration / self.dt)

    def on(self, target: Target) -> Run:
        """The same run on another code-generation target."""
        return replace(self, target=target)
