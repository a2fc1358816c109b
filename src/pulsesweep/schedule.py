"""Pulse schedules: when each pulse starts and which neuron receives it.

The schedule is generated before the simulation, as the Brian maintainer advised in the
forum thread, rather than drawn inside a ``network_operation``. It depends on the seed
only, never on the kernel, height or width.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pulsesweep.population import random_stream

__all__ = ["PulseSchedule", "make_schedule", "periodic_schedule"]


@dataclass(frozen=True)
class PulseSchedule:
    """Pulse onsets (s) and target neurons, sorted by onset."""

    times: NDArray[np.float64]
    neurons: NDArray[np.int64]

    def __post_init__(self) -> None:
        if self.times.shape != self.neurons.shape:
            raise ValueError("times and neurons must have the same length")

    def __len__(self) -> int:
        return len(self.times)

    def of_neuron(self, neuron: int) -> PulseSchedule:
        """The pulses into ``neuron`` alone, addressed to neuron 0 of a one-neuron group."""
        mask = self.neurons == neuron
        return PulseSchedule(times=self.times[mask], neurons=np.zeros(mask.sum(), np.int64))


def periodic_schedule(
    interval: float, duration: float, n_neurons: int, rng: np.random.Generator
) -> PulseSchedule:
    """Pulse ``k`` at ``k * interval`` for ``k >= 1`` while before ``duration``.

    Each pulse goes to a neuron drawn uniformly from ``rng``: the thread's "every 500 ms
    a randomly chosen neuron gets a pulse".
    """
    count = int(np.ceil(duration / interval)) - 1
    times = interval * np.arange(1, count + 1, dtype=np.float64)
    times = times[times < duration]
    neurons = rng.integers(0, n_neurons, size=len(times)).astype(np.int64)
    return PulseSchedule(times=times, neurons=neurons)


def make_schedule(config: Mapping[str, Any], seed: int) -> PulseSchedule:
    """The pulse schedule of one seed, as the config describes it."""
    pulses = config["pulses"]
    duration = config["simulation"]["duration_s"]
    if pulses["schedule"] == "periodic":
        return periodic_schedule(
            interval=pulses["interval_ms"] * 1e-3,
            duration=duration,
            n_neurons=config["network"]["n_neurons"],
            rng=random_stream(seed, "schedule"),
        )
    times = np.asarray(pulses["times_ms"], dtype=np.float64) * 1e-3
    neurons = np.asarray(pulses["neurons"], dtype=np.int64)
    order = np.argsort(times, kind="stable")
    return PulseSchedule(times=times[order], neurons=neurons[order])
