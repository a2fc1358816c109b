"""What a simulation run hands back: spikes, and membrane potentials if asked for."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["SpikeTrains"]


@dataclass(frozen=True)
class SpikeTrains:
    """All spikes of one run: time (s) and global neuron index, ordered by time.

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
        """Spikes from Brian2's times and indices, sorted by time, then neuron.

        Grid times are snapped to exact multiples of ``dt``; ``precise`` times are kept.
        """
        on_grid = method != "precise"
        times = np.asarray(times, dtype=np.float64)
        if on_grid:
            times = np.round(times / dt) * dt
        indices = np.asarray(neurons, dtype=np.int64)
        if not _is_sorted(times, indices):  # precise spikes within one step, by neuron
            # Nearly sorted already: a stable sort by time is fast and, where the monitor
            # recorded a step's spikes by neuron, already orders ties by neuron.
            order = np.argsort(times, kind="stable")
            if not _is_sorted(times[order], indices[order]):
                order = np.lexsort((indices, times))
            times, indices = times[order], indices[order]
        if potential is None:
            potential = np.empty((0, 0))
        return cls(times=times, neurons=indices, on_grid=on_grid, potential=potential)


def _is_sorted(times: NDArray[np.float64], neurons: NDArray[np.int64]) -> bool:
    """Whether spikes are ordered by time, then neuron."""
    later = np.diff(times)
    return bool(np.all((later > 0) | ((later == 0) & (np.diff(neurons) > 0))))
