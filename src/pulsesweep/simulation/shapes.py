"""The shape of the compiled model: everything a build depends on, planned from the config
alone and without numpy (the Snakefile names every job's build when it plans a sweep).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulsesweep.model.grid import GridPoint
from pulsesweep.model.neuron_model import NeuronModel, neuron_model
from pulsesweep.model.run import Method, Run
from pulsesweep.model.schedule import schedule_length

__all__ = ["ModelShape", "model_shape", "most_distinct_neurons", "shape_kernels", "shape_model"]


@dataclass(frozen=True)
class ModelShape:
    """Everything a build depends on; jobs of equal shape share one binary."""

    n_neurons: int
    n_steps: int
    n_pulses: int
    dt: float
    method: Method
    #: The config's own kernels, ``(name, shape, start, stop)`` by name: their code is
    #: part of the build (the built-ins' always is).
    kernels: tuple[tuple[str, str, float, float | None], ...] = ()
    #: The model of ``models:`` the build simulates, as JSON text (sorted keys); empty
    #: for the LIF. Its parameters' values are the job's inputs, but a build is made
    #: per definition: the units of its parameters are part of the generated code.
    model: str = ""

    def __post_init__(self) -> None:  # from JSON, the kernels come as lists
        kernels = tuple((str(n), str(e), float(a), b) for n, e, a, b in self.kernels)
        object.__setattr__(self, "kernels", kernels)

    @property
    def key(self) -> str:
        """A file-name-safe identifier, e.g. ``n4800_steps100000_pulses120_dt0.0001_precise``
        (and ``_k`` with a hash of the config's own kernels, if it has any; ``_m`` with a
        hash of the model, if it is not the LIF)."""
        key = (
            f"n{self.n_neurons}_steps{self.n_steps}_pulses{self.n_pulses}"
            f"_dt{self.dt:g}_{self.method}"
        )
        if self.kernels:
            digest = hashlib.sha256(json.dumps(self.kernels).encode()).hexdigest()[:10]
            key += f"_k{digest}"
        if self.model:
            key += f"_m{hashlib.sha256(self.model.encode()).hexdigest()[:10]}"
        return key

    def neuron_model(self) -> NeuronModel | None:
        """The model of ``models:`` the build simulates (None: the LIF)."""
        return NeuronModel.from_json(json.loads(self.model)) if self.model else None

    def kernel_definitions(self) -> dict[str, dict[str, Any]]:
        """The config's own kernels as its ``kernels:`` section defines them."""
        return {n: {"shape": e, "start": a, "stop": b} for n, e, a, b in self.kernels}


def shape_kernels(config: Mapping[str, Any]) -> tuple[tuple[str, str, float, float | None], ...]:
    """The config's own kernels, as :attr:`ModelShape.kernels` holds them."""
    definitions = config.get("kernels") or {}
    return tuple(
        (name, str(d["shape"]), float(d.get("start", 0.0)), d.get("stop"))
        for name, d in sorted(definitions.items())
    )


def model_shape(config: Mapping[str, Any], points: Sequence[GridPoint]) -> ModelShape:
    """The shape of the compiled model that simulates ``points``.

    Room for the most distinct neurons the points can have (:func:`most_distinct_neurons`), and
    one pulse per pulse of the schedule and per (kernel, width, seed) of the pulsed points:
    every seed's schedule has the same length, so every job with the same axes shares one build.
    """
    pulsed = {(p.kernel, p.width, p.seed) for p in points if p.height != 0}
    length = schedule_length(config)
    run = Run.from_config(config)
    return ModelShape(
        n_neurons=most_distinct_neurons(points, config["network"]["n_neurons"], length),
        n_steps=run.n_steps,
        n_pulses=max(1, len(pulsed) * length),
        dt=run.dt,
        method=run.method,
        kernels=shape_kernels(config),
        model=shape_model(config),
    )


def shape_model(config: Mapping[str, Any]) -> str:
    """The model of ``network.model``, as :attr:`ModelShape.model` holds it."""
    model = neuron_model(config)
    return json.dumps(model.to_json(), sort_keys=True) if model else ""


def most_distinct_neurons(
    points: Sequence[GridPoint], n_neurons: int, pulses_per_schedule: int
) -> int:
    """An upper bound of :func:`distinct_neurons` that depends on the points' axes only,
    not on which neurons the seeds' schedules pick: a build of this size fits every seed.

    Each seed has at most ``n_neurons`` unpulsed neurons, and each pulsed point adds at
    most one neuron per pulse of its schedule (and no more than it has neurons).
    """
    seeds = len({point.seed for point in points})
    pulsed = sum(point.height != 0 for point in points)
    bound = seeds * n_neurons + pulsed * min(pulses_per_schedule, n_neurons)
    return max(1, min(len(points) * n_neurons, bound))
