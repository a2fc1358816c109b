"""The pulse current: one entry per pulse, evaluated exactly on the time grid as it runs.

A neuron's current is ``I0 + h * pulse_drive`` where ``pulse_drive`` is its unit-height
pulse train ``sum over its pulses of k((t - t0)/w)``. Every step, the simulation gives
each pulse its *average* over the step ``[n dt, (n+1) dt)``, computed from the kernel's
antiderivative ``K`` (:func:`step_average`, and its C/Cython twin
:func:`step_average_code`), and sums the pulses of each train into its neurons. This
makes every kernel exact in three ways:

- **charge**: the charge the simulation injects equals the kernel's declared charge
  whatever ``dt`` and ``w`` (the step averages telescope);
- **superposition**: pulses that overlap on one neuron are summed exactly;
- **shape**: any kernel, causal or not (the gaussian starts before its peak), with the
  same generated code for every kernel, height and width (the kernel is a number).

The pulses are the job's input, so its memory grows with the number of pulses, not with
run length times pulsed neurons. A pulse train is one ``(kernel, width, seed, neuron)``;
its pulses are computed once and reach the neurons of every height that share it.
Train 0 is no pulse at all: unpulsed neurons and height-0 controls.

:func:`pulse_train` lays a train out as a dense array of the same step averages, in
numpy: the oracle of the tests and the current of the example traces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pulsesweep.model.grid import GridPoint
from pulsesweep.model.kernels import KERNELS, Kernel, get_kernel
from pulsesweep.model.schedule import PulseSchedule

__all__ = [
    "PulseInputs",
    "pulse_inputs",
    "pulse_steps",
    "pulse_train",
    "step_average",
    "step_average_code",
]

#: Train number of padding pulses: no neuron has it, so they reach nobody; they are
#: zero at every step (``first_step == last_step``) and have a width of 1 s.
NO_TRAIN = -1
_PADDING = {"train": NO_TRAIN, "width": 1.0}


@dataclass(frozen=True)
class PulseInputs:
    """Every pulse of a job and the pulse train each neuron receives.

    Attributes
    ----------
    trains
        ``(n_points, n_neurons)`` pulse train of every neuron of every point (0: none).
    train, kernel, onset, width, first_step, last_step
        One value per pulse: its train, its kernel (index into the job's
        :func:`pulsesweep.model.kernels.kernel_table`), onset ``t0`` and width ``w`` (s), and
        the steps ``first_step <= n < last_step`` where it is not zero.
    """

    trains: NDArray[np.int32]
    train: NDArray[np.int32]
    kernel: NDArray[np.int32]
    onset: NDArray[np.float64]
    width: NDArray[np.float64]
    first_step: NDArray[np.int64]
    last_step: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.train)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, field.name).nbytes for field in fields(self))

    def values(self, n_pulses: int | None = None) -> dict[str, NDArray[np.generic]]:
        """The per-pulse values by variable name, padded with pulses of no train to
        ``n_pulses`` (at least one pulse: a group is never empty)."""
        count = max(1, len(self), n_pulses or 0)
        values: dict[str, NDArray[np.generic]] = {}
        for field in fields(self):
            if field.name != "trains":
                value = getattr(self, field.name)
                padding = _PADDING.get(field.name, 0)
                values[field.name] = np.pad(value, (0, count - len(value)), constant_values=padding)
        return values


def pulse_steps(
    kernel: str, width: float, onsets: ArrayLike, dt: float, n_rows: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The steps ``first <= n < last`` (``0 <= first``, ``last <= n_rows``) where each
    pulse is not zero: the kernel's range ``start .. stop``, widened to whole steps."""
    shape = get_kernel(kernel)
    onsets = np.asarray(onsets, dtype=np.float64)
    first = np.maximum(0, np.floor((onsets + shape.start * width) / dt)).astype(np.int64)
    if np.isinf(shape.effective_stop):
        return first, np.full(onsets.shape, n_rows, dtype=np.int64)
    last = np.ceil((onsets + shape.effective_stop * width) / dt).astype(np.int64) + 1
    return first, np.minimum(n_rows, last)


def step_average(
    kernel: ArrayLike,
    step: ArrayLike,
    dt: ArrayLike,
    onset: ArrayLike,
    width: ArrayLike,
    first_step: ArrayLike,
    last_step: ArrayLike,
    table: Sequence[Kernel] = tuple(KERNELS.values()),
) -> NDArray[np.float64]:
    """Average of each unit-height pulse over the step ``[step dt, (step+1) dt)``.

    Vectorised over pulses; ``kernel`` is an index into ``table`` (the job's
    :func:`pulsesweep.model.kernels.kernel_table`; the built-ins by default). Zero outside
    ``first_step .. last_step``.
    """
    kernel, step, dt, onset, width, first, last = np.broadcast_arrays(
        kernel, step, dt, onset, width, first_step, last_step
    )
    result = np.zeros(kernel.shape)
    active = (step >= first) & (step < last)
    if not active.any():  # most steps of a sparse schedule: no kernel to evaluate
        return result
    for index, shape in enumerate(table):
        chosen = active & (kernel == index)
        if chosen.any():
            start = (step[chosen] * dt[chosen] - onset[chosen]) / width[chosen]
            stop = ((step[chosen] + 1) * dt[chosen] - onset[chosen]) / width[chosen]
            integral = shape.integral(start, stop)
            result[chosen] = integral * (width[chosen] / dt[chosen])
    return result


def step_average_code(
    language: Literal["cpp", "cython"], table: Sequence[Kernel] = tuple(KERNELS.values())
) -> str:
    """:func:`step_average` for one pulse, as a C++ or Cython function of that name.

    The same operations in the same order as the numpy version: one branch per built-in
    kernel (:attr:`pulsesweep.model.kernels.Kernel.code`), and for each kernel of
    ``table`` defined by its expression, the functions
    :func:`~pulsesweep.model.kernel_code.kernel_code` writes.
    """
    from pulsesweep.model.kernel_code import kernel_code  # sympy: only for custom kernels

    cpp = language == "cpp"
    branches, custom, definitions = [], [], []
    for index, shape in enumerate(table):
        if shape.builtin:
            causal = "s = fmax(s, 0.0); " if shape.start == 0 else ""
            if cpp:
                branches.append(f"    case {index}: {causal}return {shape.code};")
            else:
                body = f"{causal.strip()}\n        " if causal else ""
                branches.append(f"    if kernel == {index}:\n        {body}return {shape.code}")
            continue
        definitions.append(kernel_code(shape._expression, language, index))
        call = f"custom_integral_{index}(start, stop)"
        custom.append(
            f"    case {index}: return {call};"
            if cpp
            else f"    if kernel == {index}:\n        return {call}"
        )
    return (_CPP_STEP_AVERAGE if cpp else _CYTHON_STEP_AVERAGE).format(
        definitions="\n".join(definitions),
        branches="\n".join(branches),
        custom="\n".join(custom),
    )


_CPP_STEP_AVERAGE = """
{definitions}
static inline double pulse_antiderivative(int kernel, double s) {{
    switch (kernel) {{
{branches}
    default: return 0.0;
    }}
}}
static inline double pulse_integral(int kernel, double start, double stop) {{
    switch (kernel) {{
{custom}
    default: return pulse_antiderivative(kernel, stop) - pulse_antiderivative(kernel, start);
    }}
}}
static inline double step_average(int kernel, int64_t step, double dt, double onset,
                                  double width, int64_t first_step, int64_t last_step) {{
    if (step < first_step || step >= last_step) return 0.0;
    const double start = (step * dt - onset) / width;
    const double stop = ((step + 1) * dt - onset) / width;
    return pulse_integral(kernel, start, stop) * (width / dt);
}}
"""
_CYTHON_STEP_AVERAGE = """
from libc.math cimport exp, expm1, log, log1p, sqrt, sin, cos, tan, sinh, cosh, tanh
from libc.math cimport erf, erfc, fmin, fmax, fabs, pow, ceil
{definitions}

cdef double pulse_antiderivative(int kernel, double s):
{branches}
    return 0.0

cdef double pulse_integral(int kernel, double start, double stop):
{custom}
    return pulse_antiderivative(kernel, stop) - pulse_antiderivative(kernel, start)

cdef double step_average(int kernel, long step, double dt, double onset, double width,
                         long first_step, long last_step):
    if step < first_step or step >= last_step:
        return 0.0
    cdef double start = (step * dt - onset) / width
    cdef double stop = ((step + 1) * dt - onset) / width
    return pulse_integral(kernel, start, stop) * (width / dt)
"""


def pulse_train(
    kernel: str,
    width: float,
    onsets: Sequence[float] | NDArray[np.float64],
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
        Where to add the train (``n_rows`` values); a new array of zeros by default.
    """
    train = np.zeros(n_rows) if out is None else out
    onsets = np.asarray(onsets, dtype=np.float64)
    table = (get_kernel(kernel),)
    for onset, first, last in zip(
        onsets, *pulse_steps(kernel, width, onsets, dt, n_rows), strict=True
    ):
        steps = np.arange(first, last)
        train[first:last] += step_average(0, steps, dt, onset, width, first, last, table)
    return train


def pulse_inputs(
    points: Sequence[GridPoint],
    schedules: Mapping[int, PulseSchedule],
    n_neurons: int,
    dt: float,
    n_steps: int,
    table: Sequence[Kernel] = tuple(KERNELS.values()),
) -> PulseInputs:
    """Every pulse of ``points`` once per pulse train, and each neuron's train.

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
        Number of simulated steps.
    table
        The kernels a pulse's ``kernel`` indexes (the job's
        :func:`pulsesweep.model.kernels.kernel_table`; the built-ins by default).
    """
    names = [shape.name for shape in table]
    trains = np.zeros((len(points), n_neurons), dtype=np.int32)
    pulses: list[list[NDArray[np.generic]]] = []
    next_train, train_of = 1, {}
    for index, point in enumerate(points):
        if point.height == 0:
            continue
        schedule = schedules[point.seed]
        neurons, rank = np.unique(schedule.neurons, return_inverse=True)
        key = (point.kernel, point.width, point.seed)
        if key not in train_of:  # a new train per neuron; its pulses in order of onset
            train_of[key], next_train = next_train, next_train + len(neurons)
            order = np.argsort(rank, kind="stable")
            onset = schedule.times[order]
            first, last = pulse_steps(point.kernel, point.width, onset, dt, n_steps + 1)
            kernel = np.full(len(onset), names.index(point.kernel))
            width = np.full(len(onset), point.width)
            pulses.append([train_of[key] + rank[order], kernel, onset, width, first, last])
        trains[index, neurons] = train_of[key] + np.arange(len(neurons))
    columns = [np.concatenate(column) for column in zip(*pulses, strict=True)]
    columns = columns or [np.zeros(0)] * 6
    return PulseInputs(
        trains=trains,
        train=np.asarray(columns[0], dtype=np.int32),
        kernel=np.asarray(columns[1], dtype=np.int32),
        onset=np.asarray(columns[2], dtype=np.float64),
        width=np.asarray(columns[3], dtype=np.float64),
        first_step=np.asarray(columns[4], dtype=np.int64),
        last_step=np.asarray(columns[5], dtype=np.int64),
    )
