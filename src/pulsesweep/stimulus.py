"""The pulse current of every neuron, laid out on the simulation's time grid.

The schedule is known before the run, so each pulsed neuron's unit-height pulse train
``sum over its pulses of k((t - t0)/w)`` is computed here, in numpy, and handed to
Brian2 as one column of a 2-D ``TimedArray``; a neuron's current is then
``I0 + h * column(t)``. This makes every kernel exact in three ways:

- **charge**: row ``n`` holds the *average* of the kernel over the step
  ``[n dt, (n+1) dt)``, computed from the kernel's antiderivative, so the charge the
  simulation injects equals the kernel's declared charge whatever ``dt`` and ``w``;
- **superposition**: pulses that overlap on one neuron are summed exactly;
- **shape**: any kernel, causal or not (the gaussian starts before its peak), with no
  extra state variables and the same generated code for every kernel, height and width.

Columns depend on ``(kernel, width, seed, neuron)`` but not on the height, and column 0
is all zeros, for unpulsed neurons and height-0 controls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pulsesweep.grid import GridPoint
from pulsesweep.kernels import get_kernel
from pulsesweep.schedule import PulseSchedule

__all__ = ["PulseWaveforms", "pulse_train", "pulse_waveforms"]


@dataclass(frozen=True)
class PulseWaveforms:
    """Unit-height pulse trains and the column each neuron reads.

    Attributes
    ----------
    table
        ``(n_steps + 1, n_columns)`` step averages of the unit-height pulse trains.
    columns
        ``(n_points, n_neurons)`` column index of every neuron of every point.
    """

    table: NDArray[np.float64]
    columns: NDArray[np.int32]


def pulse_train(
    kernel: str,
    width: float,
    onsets: Sequence[float],
    dt: float,
    n_rows: int,
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Step averages of ``sum_k k((t - onsets[k]) / width)`` for rows ``0 .. n_rows-1``.

    Parameters
    ----------
    kernel
        Kernel name.
    width
        Pulse width (s).
    onsets
        Pulse onsets ``t0`` (s).
    dt
        Time step (s); row ``n`` covers ``[n dt, (n+1) dt)``.
    n_rows
        Number of time steps laid out.
    out
        Where to add the train (``n_rows`` values, e.g. a column of the pulse table);
        a new array of zeros by default.
    """
    shape = get_kernel(kernel)
    train = np.zeros(n_rows) if out is None else out
    for onset in onsets:
        first = max(0, int(np.floor((onset + shape.start * width) / dt)))
        last = n_rows if np.isinf(shape.stop) else int(np.ceil((onset + shape.stop * width) / dt))
        last = min(n_rows, last + 1)
        if first >= last:
            continue
        edges = (np.arange(first, last + 1) * dt - onset) / width
        train[first:last] += shape.integral(edges[:-1], edges[1:]) * (width / dt)
    return train


def pulse_waveforms(
    points: Sequence[GridPoint],
    schedules: Mapping[int, PulseSchedule],
    n_neurons: int,
    dt: float,
    n_steps: int,
    n_columns: int = 0,
) -> PulseWaveforms:
    """Lay out the pulse trains of all ``points`` and map each neuron to its column.

    Parameters
    ----------
    points
        The grid points simulated together, one block of ``n_neurons`` each.
    schedules
        The pulse schedule of every seed that occurs in ``points``.
    n_neurons
        Neurons per point.
    dt
        Time step (s).
    n_steps
        Number of simulated steps; the table has one more row, so that a lookup at the
        end of the run stays inside it.
    n_columns
        At least this many table columns (the rest zeros): the column count of the
        compiled model that runs the table, so that it is laid out once at its size.
    """
    n_rows = n_steps + 1
    column_of: dict[tuple[str, float, int, int], int] = {}
    columns = np.zeros((len(points), n_neurons), dtype=np.int32)
    for index, point in enumerate(points):
        if point.height == 0:
            continue
        for neuron in np.unique(schedules[point.seed].neurons):
            key = (point.kernel, point.width, point.seed, int(neuron))
            columns[index, neuron] = column_of.setdefault(key, len(column_of) + 1)
    # Laid out in place, column by column: the table is the job's largest array, and
    # is never held twice.
    table = np.zeros((n_rows, max(n_columns, len(column_of) + 1)))
    for (kernel, width, seed, neuron), column in column_of.items():
        schedule = schedules[seed]
        onsets = schedule.times[schedule.neurons == neuron]
        pulse_train(kernel, width, onsets, dt, n_rows, out=table[:, column])
    return PulseWaveforms(table=table, columns=columns)
