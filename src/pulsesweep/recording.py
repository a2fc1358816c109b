"""What a simulation run hands back: spikes, and membrane potentials if asked for."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["SpikeTrains"]


@dataclass(frozen=True)
class SpikeTrains:
    """All spikes of one run: time step and global neuron index, ordered by time.

    ``potential`` holds the membrane potential (V) of the neurons asked for, one row
    each, at every time step (empty if none were asked for).
    """

    steps: NDArray[np.int64]
    neurons: NDArray[np.int64]
    potential: NDArray[np.float64] = field(default_factory=lambda: np.empty((0, 0)))

    @classmethod
    def from_times(cls, times: NDArray[np.float64], neurons: NDArray, dt: float,
                   potential: NDArray[np.float64] | None = None) -> SpikeTrains:
        """Spikes from Brian2's times (multiples of dt) and indices, sorted by time."""
        steps = np.round(np.asarray(times) / dt).astype(np.int64)
        neurons = np.asarray(neurons, dtype=np.int64)
        if not _is_sorted(steps, neurons):  # Brian2 already writes them in this order
            order = np.lexsort((neurons, steps))
            steps, neurons = steps[order], neurons[order]
        if potential is None:
            potential = np.empty((0, 0))
        return cls(steps=steps, neurons=neurons, potential=potential)


def _is_sorted(steps: NDArray[np.int64], neurons: NDArray[np.int64]) -> bool:
    """Whether spikes are ordered by step, then neuron."""
    later = np.diff(steps)
    return bool(np.all((later > 0) | ((later == 0) & (np.diff(neurons) > 0))))
