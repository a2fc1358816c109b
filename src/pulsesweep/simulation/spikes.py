"""What a simulation run hands back: spikes, and membrane potentials if asked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

IntegerT = TypeVar("IntegerT", bound=np.integer)

__all__ = ["SpikeTrains", "in_train_order", "train_bounds", "train_by_train", "trains_in_turn"]


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
    neurons: NDArray[np.int32]
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
        A build orders its spikes itself (:mod:`~pulsesweep.simulation.builds`); Brian2's
        runtime targets record them step after step, each neuron's in time order.
        """
        on_grid = method != "precise"
        times = np.asarray(times, dtype=np.float64)
        if on_grid:
            times = np.round(times / dt) * dt
        indices, times = train_by_train(np.asarray(neurons, dtype=np.int32), times)
        if potential is None:
            potential = np.empty((0, 0))
        return cls(times=times, neurons=indices, on_grid=on_grid, potential=potential)

    def first(self, n_neurons: int) -> SpikeTrains:
        """The trains of neurons ``0 .. n_neurons - 1`` alone (a view: they come first)."""
        end = int(np.searchsorted(self.neurons, n_neurons))
        return SpikeTrains(self.times[:end], self.neurons[:end], self.on_grid, self.potential)

    def select(self, neurons: NDArray[np.integer]) -> SpikeTrains:
        """The trains of ``neurons`` (indices, in any order, repeats allowed), renumbered
        ``0 .. len(neurons) - 1``: neuron ``k`` of the result is ``neurons[k]`` here.

        The membrane potential is not carried over.
        """
        neurons = np.asarray(neurons, dtype=np.int64)
        counts = np.bincount(self.neurons, minlength=neurons.max(initial=-1) + 1)
        return SpikeTrains(
            times=trains_in_turn(self.times, counts, neurons),
            neurons=np.repeat(np.arange(len(neurons), dtype=np.int32), counts[neurons]),
            on_grid=self.on_grid,
        )


def train_bounds(counts: NDArray[np.integer]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Where each train begins and ends in spikes stored train after train, ``counts[k]``
    of them in train ``k`` (a file's ``spike_count``)."""
    ends = np.cumsum(counts, dtype=np.int64)
    return ends - counts, ends


def trains_in_turn(
    times: NDArray[np.float64], counts: NDArray[np.integer], trains: NDArray[np.integer]
) -> NDArray[np.float64]:
    """The spikes of ``trains`` (indices, in any order, repeats allowed), one train after
    the other; ``times`` holds every train's spikes train by train, ``counts[k]`` of them
    in train ``k``. Each train is copied as a slice: twice as fast as gathering every
    spike by index, and never a pass over the spikes left out."""
    starts, ends = train_bounds(counts)
    slices = zip(starts[trains].tolist(), ends[trains].tolist(), strict=True)
    return np.concatenate([times[start:end] for start, end in slices] or [times[:0]])


def in_train_order(trains: NDArray[np.integer], times: NDArray[np.floating]) -> bool:
    """Whether spikes are ordered train by train: by train (neuron), then time."""
    same = trains[1:] == trains[:-1]
    if not np.less_equal(trains[:-1], trains[1:]).all():
        return False
    return bool((~same | (times[1:] >= times[:-1])).all())


def train_by_train(
    trains: NDArray[IntegerT], times: NDArray[np.float64]
) -> tuple[NDArray[IntegerT], NDArray[np.float64]]:
    """Spikes ordered train by train (by train, then time), as few sorts as it takes.

    A stable sort by train keeps the order of each train's spikes, which is time order
    where the spikes came by time (16-bit train numbers sort by radix, in linear time);
    a full sort by train and time only if that was not enough.
    """
    if in_train_order(trains, times):
        return trains, times
    small = trains.min() >= 0 and trains.max() < 2**16
    order = np.argsort(trains.astype(np.uint16) if small else trains, kind="stable")
    trains, times = trains[order], times[order]
    if not in_train_order(trains, times):
        order = np.lexsort((times, trains))
        trains, times = trains[order], times[order]
    return trains, times
