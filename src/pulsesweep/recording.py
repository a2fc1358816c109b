"""What a simulation run hands back: spikes, and membrane potentials if asked for."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["SpikeTrains"]


@dataclass(frozen=True)
class SpikeTrains:
    """All spikes of one run: time (s) and global neuron index, train by train: ordered
    by neuron, then time.

    ``on_grid`` says whether the times are multiples of the time step (Brian2's
    integration methods) or exact threshold crossings (``precise``). ``potential``
    holds the membrane potential (V) of the neurons asked for, one row each, at every
    time step (empty if none were asked for).
    """

    times: NDArray[np.float64]
    neurons: NDArray[np.int64]
    on_grid: bool
    potential: NDArray[np.float64] = field(default_factory=lambda: np.empty((0, 0)))

    @classmethod
    def from_times(
        cls,
        times: NDArray[np.float64],
        neurons: NDArray[np.integer],
        dt: float,
        method: str,
        potential: NDArray[np.float64] | None = None,
    ) -> SpikeTrains:
        """Spikes from Brian2's times and indices, ordered by neuron, then time.

        Grid times are snapped to exact multiples of ``dt``; ``precise`` times are kept.
        """
        on_grid = method != "precise"
        times = np.asarray(times, dtype=np.float64)
        if on_grid:
            times = np.round(times / dt) * dt
        indices = np.asarray(neurons, dtype=np.int64)
        # Brian2 records step after step, so each neuron's spikes come in time order: a
        # stable sort by neuron orders them train by train. numpy sorts 16-bit keys
        # stably by radix, in linear time.
        small = indices.size == 0 or (indices.min() >= 0 and indices.max() < 2**16)
        order = np.argsort(indices.astype(np.uint16) if small else indices, kind="stable")
        times, indices = times[order], indices[order]
        if not _by_neuron(times, indices):
            order = np.lexsort((times, indices))
            times, indices = times[order], indices[order]
        if potential is None:
            potential = np.empty((0, 0))
        return cls(times=times, neurons=indices, on_grid=on_grid, potential=potential)


def _by_neuron(times: NDArray[np.float64], neurons: NDArray[np.int64]) -> bool:
    """Whether spikes are ordered by neuron, then time."""
    step = np.diff(neurons)
    return bool((step >= 0).all() and (np.diff(times)[step == 0] >= 0).all())
