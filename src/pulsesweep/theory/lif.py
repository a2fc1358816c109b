"""Closed-form theory of the LIF neuron, vectorised over pulses and neurons.

``tau dv/dt = R I(t) - v``, threshold ``Vt``, reset ``Vr``, ``v`` held at ``Vr`` for
``t_ref`` after a spike; bias ``I0``, ``mu = R I0``. A pulse adds ``h k((t - t0)/w)`` to
the current (:mod:`pulsesweep.model.kernels`). From the end ``t_a`` of a refractory period
until the next spike ``v(t) = mu + (Vr - mu - R h P(t_a - t0)) exp(-(t - t_a)/tau) +
R h P(t - t0)``, with ``P`` the response to the unit pulse (:func:`membrane_response`).
numpy and scipy only (no Brian2); every function broadcasts over its array arguments
(scalars give numpy scalars), so tens of thousands of pulses, each with its own neuron,
are computed at once; spike times come from :mod:`pulsesweep.theory.spike_search`. SI units
throughout.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pulsesweep.model import neuron as _neuron
from pulsesweep.model.kernels import Kernel, get_kernel
from pulsesweep.model.neuron import Neuron, as_neuron, neuron_arrays
from pulsesweep.theory.membrane import float_arrays, membrane_response, numpy_result
from pulsesweep.theory.spike_search import Trajectory, next_spike

__all__ = [
    "firing_rate",
    "membrane_response",
    "phase_advance",
    "phase_shift",
    "spike_advance",
    "tonic_period",
]

FloatArray = NDArray[np.float64]

_CHUNK_PULSES = 1 << 16  # pulses computed together (bounds the memory)


def tonic_period(neuron: Neuron) -> FloatArray:
    """The period of tonic firing, :func:`pulsesweep.model.neuron.tonic_period`, as numpy
    arrays (a numpy scalar for scalar parameters), as every function here returns."""
    return np.asarray(_neuron.tonic_period(as_neuron(neuron_arrays(neuron))))[()]


def firing_rate(current: ArrayLike, neuron: Neuron) -> FloatArray:
    """The f–I curve ``1/(t_ref + tau ln((R I - Vr)/(R I - Vt)))`` (Hz) at the constant
    input ``current`` (A) in place of the bias, 0 where ``R I <= Vt``."""
    driven: Neuron = {**neuron, "bias_current": current}
    return numpy_result(1.0 / tonic_period(driven))


@dataclass(frozen=True)
class _Pulsed:
    """Flat arrays of pulses prepared for the spike search (:func:`_pulsed`).

    ``result`` is 0 where the inputs are valid (NaN elsewhere), ``pulsed`` marks the
    pulses that act after a refractory period; for those, ``period`` is ``T``,
    ``cycles`` the number of control spikes the origin was moved back, ``opening`` when
    the response window opens (``t0 + onset w``) and ``trajectory`` the neuron from
    ``t_ref`` after the spike at the (moved) origin, all in the moved frame.
    """

    result: FloatArray
    pulsed: NDArray[np.bool_]
    period: FloatArray
    cycles: FloatArray
    opening: FloatArray
    trajectory: Trajectory


def _pulsed(
    kernel: Kernel,
    height: FloatArray,
    width: FloatArray,
    phase: FloatArray,
    neuron: list[FloatArray],
) -> _Pulsed:
    """The pulses of flat arrays, each from the last control spike before its current
    begins: the spike at 0 when the current begins (``t0 + start w``) after it, else
    ``m = ceil(-(t0 + start w)/T)`` cycles earlier, so that the spike search integrates
    the exact membrane through every spike the pulse may move (the multi-cycle solution
    for a pulse that acts before the spike that opens its cycle)."""
    tau, resistance, bias, threshold, reset, refractory = neuron
    period = np.asarray(tonic_period(as_neuron(neuron)))
    onset = phase * period
    valid = np.isfinite(period) & np.isfinite(onset) & np.isfinite(height)
    valid &= np.isfinite(width) & np.isfinite(tau) & np.isfinite(refractory)
    begins = np.where(valid, onset + kernel.start * width, 0.0)
    cycles = np.where(begins < 0, np.ceil(-begins / np.where(valid, period, 1.0)), 0.0)
    onset = np.where(cycles > 0, onset + cycles * np.where(valid, period, 0.0), onset)
    over = onset + kernel.effective_stop * width <= refractory  # ends while refractory
    pulsed = valid & (height != 0) & ~over
    arrays = [height, width, onset, tau, resistance, resistance * bias, threshold, reset]
    arrays += [refractory] * 5  # refractory period, then start, release, anchor, settled
    trajectory = Trajectory(kernel, *(np.asarray(array)[pulsed] for array in arrays))
    return _Pulsed(
        np.where(valid, 0.0, np.nan),
        pulsed,
        period[pulsed],
        cycles[pulsed],
        (onset + kernel.response_onset * width)[pulsed],
        trajectory.resumed(trajectory.refractory_period),
    )


def _advance_chunk(
    kernel: Kernel,
    height: FloatArray,
    width: FloatArray,
    phase: FloatArray,
    neuron: list[FloatArray],
) -> FloatArray:
    """:func:`spike_advance` for flat arrays of at most :data:`_CHUNK_PULSES` pulses: the
    control's first spike at or after the window's opening (after the origin's) minus
    the pulsed train's."""
    pulses = _pulsed(kernel, height, width, phase, neuron)
    period, opening = pulses.period, pulses.opening
    marks = opening[None, :]
    _, _, first = _follow_train(pulses.trajectory, marks, np.full(opening.shape, np.inf), period)
    control = period * np.maximum(1.0, np.ceil(opening / period))
    advance = pulses.result
    advance[pulses.pulsed] = control - first[0]
    return advance


def _by_chunks(
    compute: Callable[..., FloatArray], kernel: str, arrays: Sequence[FloatArray]
) -> FloatArray:
    """``compute(kernel, height, width, phase, neuron, *rest)`` over flat chunks of at most
    :data:`_CHUNK_PULSES` pulses; ``arrays`` are ``height, width, phase``, the six neuron
    parameters and the rest, broadcast together. Checks the phases and widths."""
    spec = get_kernel(kernel)
    if np.any((arrays[2] < 0) | (arrays[2] >= 1)):
        raise ValueError("phase must lie in [0, 1)")
    if np.any(arrays[1] <= 0):
        raise ValueError("width must be > 0")
    flat = [array.ravel() for array in arrays]
    result = np.empty(flat[0].size)
    for start in range(0, result.size, _CHUNK_PULSES):
        part = [array[start : start + _CHUNK_PULSES] for array in flat]
        result[start : start + _CHUNK_PULSES] = compute(spec, *part[:3], part[3:9], *part[9:])
    return numpy_result(result.reshape(arrays[0].shape))


def spike_advance(
    kernel: str, height: ArrayLike, width: ArrayLike, phase: ArrayLike, neuron: Neuron
) -> FloatArray:
    """How much earlier a pulse brings the next spike of a tonically firing neuron.

    Unpulsed, the neuron fires every ``T`` (:func:`~pulsesweep.model.neuron.tonic_period`),
    at ``..., -T, 0, T, ...``; the pulse has onset ``t0 = phase * T`` (for the gaussian, its
    peak) and its response window opens at ``t_open = t0 + onset w`` (the kernel's
    ``response_onset``). The advance is the control's first spike at or after ``t_open``
    (``T`` when ``t_open >= 0``) minus the pulsed train's, as
    :func:`pulsesweep.analysis.responses.pulse_response` measures it. The pulsed train is
    integrated exactly from the last control spike before the pulse's current begins
    (``t0 + start w``; cycles before 0 for a gaussian, whose current begins 10 SD before
    its peak): from ``Vr`` at the end of each refractory period (current during it has no
    effect) to the next time with ``v = Vt``, found by steps that provably skip no
    crossing but are at least ``min(w/10, tau/50)``, then refined by Newton's method to
    1e-14 s (:func:`pulsesweep.theory.spike_search.next_spike`).

    Parameters
    ----------
    kernel
        A kernel name: a built-in one (closed-form membrane response) or a config's own
        (by quadrature, :mod:`pulsesweep.theory.quadrature`).
    height, width
        Pulse height (A; negative hyperpolarises) and width (s, > 0).
    phase
        Onset as a fraction of the period, in ``[0, 1)``.
    neuron
        The neurons (:class:`~pulsesweep.model.neuron.Neuron`). All arguments but
        ``kernel`` broadcast.

    Returns
    -------
    numpy.ndarray
        The advance (s): positive for an advance, negative for a delay, ``(1 - phase) T``
        in the limit of a strong causal pulse, 0 for a pulse over before ``t_ref``. NaN where
        the neuron does not fire tonically (``R I0 <= Vt``) or an input is NaN.
    """
    arrays = float_arrays(height, width, phase, *neuron_arrays(neuron))
    return _by_chunks(_advance_chunk, kernel, arrays)


def phase_advance(
    kernel: str, height: ArrayLike, width: ArrayLike, phase: ArrayLike, neuron: Neuron
) -> FloatArray:
    """:func:`spike_advance` in cycles of the period ``T`` (same arguments)."""
    advance = spike_advance(kernel, height, width, phase, neuron)
    return numpy_result(advance / tonic_period(neuron))


def _follow_train(
    trajectory: Trajectory, marks: FloatArray, end: FloatArray, period: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Follow each pulsed train from its origin (a spike at 0), spike after spike, until
    it has passed its ``marks`` (``(k, n)``) or has no spike before ``end``.

    Returns, per mark, the spikes before it (the origin's included; NaN where a search
    gave up), the last of them, and the first spike at or after it (inf if none before
    ``end``). A train is left once the pulse is over when its refractory period ends: it
    fires with the period ``T`` from then on, which gives its later spikes.
    """
    count, last = np.ones(marks.shape), np.zeros(marks.shape)
    first = np.full(marks.shape, np.inf)
    active, beyond = np.arange(marks.shape[1]), marks.max(axis=0)
    while active.size:
        spike = next_spike(trajectory, end[active])
        before = spike < marks[:, active]
        count[:, active] += before
        last[:, active] = np.where(before, spike, last[:, active])
        reached = ~before & np.isinf(first[:, active])
        first[:, active] = np.where(reached, spike, first[:, active])
        resume = spike + trajectory.refractory_period
        stuck = resume <= trajectory.start  # no progress (t_ref = 0 and v >= Vt at once)
        count[:, active[np.isnan(spike) | stuck]] = np.nan
        acting = resume < trajectory.onset + trajectory.kernel.effective_stop * trajectory.width
        ahead = np.isfinite(spike) & (spike < beyond[active]) & ~stuck
        periodic = ahead & ~acting  # the pulse is over: spikes every T from here
        first[:, active[periodic]] = _extrapolate(
            first[:, active[periodic]],
            spike[periodic],
            marks[:, active[periodic]],
            period[active[periodic]],
        )
        going = ahead & acting & (resume < end[active])
        active, trajectory = active[going], trajectory.take(going).after(spike[going])
    return count, last, np.where(np.isnan(count), np.nan, first)


def _extrapolate(
    first: FloatArray, spike: FloatArray, marks: FloatArray, period: FloatArray
) -> FloatArray:
    """The first spike at or after each mark not yet reached, for trains firing every
    ``period`` from ``spike`` on."""
    later = spike + period * np.ceil((marks - spike) / period)
    return np.where(np.isinf(first), later, first)


def _shift_chunk(
    kernel: Kernel,
    height: FloatArray,
    width: FloatArray,
    phase: FloatArray,
    neuron: list[FloatArray],
    horizon: FloatArray,
) -> FloatArray:
    """:func:`phase_shift` for flat arrays of at most :data:`_CHUNK_PULSES` pulses.

    With ``n`` spikes before ``t > 0`` (the origin's included), the last at ``t_n``,
    ``phi_p(t) = n + (t - t_n)/T`` and ``phi_c(t) = 1 + t/T``, so
    ``[phi_p - phi_c](t) = n - 1 - t_n/T``.
    """
    phase = np.where(np.isnan(horizon), np.nan, phase)
    pulses = _pulsed(kernel, height, width, phase, neuron)
    period = pulses.period
    closing = horizon[pulses.pulsed] + pulses.cycles * period
    marks = np.stack([pulses.opening, np.maximum(closing, pulses.opening)])
    count, last, _ = _follow_train(pulses.trajectory, marks, marks[1], period)
    difference = count - 1 - last / period
    shift = pulses.result
    shift[pulses.pulsed] = difference[1] - difference[0]
    return shift


def phase_shift(
    kernel: str,
    height: ArrayLike,
    width: ArrayLike,
    phase: ArrayLike,
    neuron: Neuron,
    horizon: ArrayLike,
) -> FloatArray:
    """The shift of the pulsed spike train against the unpulsed one at ``horizon``, in cycles.

    The control fires every ``T`` (``..., 0, T, 2 T, ...``); the pulse and the pulsed
    train are as for :func:`spike_advance`, every spike found from ``Vr`` at the end of
    the previous one's refractory period, with the pulse acting, up to ``horizon``. The
    shift is measured as :func:`pulsesweep.analysis.responses.pulse_response` measures
    ``phase_advance``: with ``phi(t) = N(t) + (t - last spike before t)/T`` (``N`` the
    spikes before ``t``), ``[phi_p - phi_c](horizon) - [phi_p - phi_c](t_open)``,
    ``t_open = t0 + onset w`` (may be before 0). Each extra spike adds a cycle; once
    the pulse is over the shift stays constant, and if it ends before the refractory
    period after the first pulsed spike, the shift is ``spike_advance / T``.

    Parameters
    ----------
    kernel, height, width, phase
        The pulse, as for :func:`spike_advance`.
    neuron
        The neurons (:class:`~pulsesweep.model.neuron.Neuron`).
    horizon
        When the shift is measured (s, from the spike at 0; ``t_open`` plus the response
        window; the shift is 0 at or before ``t_open``). May be infinite, except for a
        kernel that never ends (``inverse_time``).

    Returns
    -------
    numpy.ndarray
        The shift (cycles): positive for an advance. NaN where the neuron does not fire
        tonically (``R I0 <= Vt``) or an input is NaN. All arguments but ``kernel``
        broadcast.
    """
    arrays = float_arrays(height, width, phase, *neuron_arrays(neuron), horizon)
    if np.any(np.isinf(arrays[-1])) and math.isinf(get_kernel(kernel).effective_stop):
        raise ValueError(f"the {kernel!r} kernel never ends; give a finite horizon")
    return _by_chunks(_shift_chunk, kernel, arrays)
