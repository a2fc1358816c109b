"""Distinct neurons: a job simulates each different neuron once.

The neurons are uncoupled and the model has no noise, so a neuron's spikes are a
function of its parameters, its initial potential and its input alone. Within a seed,
neuron ``i`` has the same parameters and initial potential at every grid point (common
random numbers, :mod:`pulsesweep.model.population`), so neuron ``i`` of two points is the
same neuron whenever its input is the same: unpulsed (no pulse train, or height 0) at
both, or the same pulse train at the same height. Under the default schedule (a pulse
every 500 ms into one of 100 neurons, 10 s) fewer than a fifth of a job's neurons
differ; the others are copies, simulated once and written for every point that has them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pulsesweep.model.equations import NetworkInput
from pulsesweep.model.grid import GridPoint

__all__ = ["DistinctNeurons", "distinct_neurons"]


@dataclass(frozen=True)
class DistinctNeurons:
    """The neurons of a job that differ, and which of them every neuron is.

    Attributes
    ----------
    simulated
        Global index (``point * n_neurons + neuron``) of each distinct neuron, the one
        simulated for all its copies.
    copy_of
        For every global neuron, its position in ``simulated``.
    """

    simulated: NDArray[np.int64]
    copy_of: NDArray[np.int64]

    @classmethod
    def every(cls, n_neurons: int) -> DistinctNeurons:
        """Each of ``n_neurons`` simulated as itself (no copies)."""
        every = np.arange(n_neurons, dtype=np.int64)
        return cls(simulated=every, copy_of=every)

    def __len__(self) -> int:
        return len(self.simulated)

    def inputs(
        self, inputs: Mapping[str, NetworkInput], n_neurons: int | None = None
    ) -> dict[str, NetworkInput]:
        """The per-neuron ``inputs`` of the distinct neurons only, padded to ``n_neurons``
        with unpulsed copies of the first (whose spikes nobody reads)."""
        count = max(len(self), n_neurons or 0)
        padding = np.full(count - len(self), self.simulated[0], dtype=np.int64)
        chosen = np.concatenate([self.simulated, padding])
        selected: dict[str, NetworkInput] = {
            name: value if np.ndim(value) == 0 else np.asarray(value)[chosen]
            for name, value in inputs.items()
        }
        for name in ("height", "pulse_train"):
            if name in selected:
                np.asarray(selected[name])[len(self) :] = 0
        return selected


def distinct_neurons(
    points: Sequence[GridPoint], trains: NDArray[np.integer], n_neurons: int
) -> DistinctNeurons:
    """Which neurons of ``points`` differ, given each one's pulse train.

    ``trains`` is ``(n_points, n_neurons)``, 0 for no pulse (see
    :class:`pulsesweep.model.stimulus.PulseInputs`). Two neurons are the same if they have
    the same seed and index and receive the same pulse train at the same height; a
    neuron without pulses, or at height 0, is its seed's unpulsed neuron.
    """
    heights = np.array([point.height for point in points], dtype=np.float64)
    seeds = np.array([point.seed for point in points], dtype=np.int64)
    pulsed = (np.asarray(trains) != 0) & (heights[:, None] != 0)
    keys = np.stack(
        [
            np.repeat(seeds, n_neurons),
            np.tile(np.arange(n_neurons, dtype=np.int64), len(points)),
            np.where(pulsed, trains, 0).ravel(),
            np.where(pulsed, heights[:, None], 0.0).ravel().view(np.int64),  # exact bits
        ],
        axis=1,
    )
    # equal keys side by side, each group in the neurons' order (a stable sort): a group
    # is simulated as its first neuron, in the order the neurons come (np.unique(axis=0)
    # groups them the same, 8 times slower)
    by_key = np.lexsort(keys.T[::-1])
    ordered = keys[by_key]
    starts = np.flatnonzero(np.r_[True, np.any(ordered[1:] != ordered[:-1], axis=1)])
    group = np.empty(len(keys), dtype=np.int64)
    group[by_key] = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(keys)]))
    first = by_key[starts]
    order = np.argsort(first)
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    return DistinctNeurons(simulated=first[order].astype(np.int64), copy_of=position[group])
