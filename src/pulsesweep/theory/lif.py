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


def _pulsed(
    kernel: Kernel,
    height: FloatArray,
    width: FloatArray,
    phase: FloatArray,
    neuron: list[FloatArray],
) -> tuple[FloatArray, NDArray[np.bool_], FloatArray, Trajectory]:
    """For flat arrays: 0 where the inputs are valid (NaN elsewhere), which pulses act after
    the refractory period (nonzero, not over by ``t_ref``), the tonic period ``T``, and for
    those pulses the trajectory from ``t_ref`` on, after the spike at 0."""
    tau, resistance, bias, threshold, reset, refractory = neuron
    period = np.asarray(tonic_period(as_neuron(neuron)))
    onset = phase * period
    valid = np.isfinite(period) & np.isfinite(onset) & np.isfinite(height)
    valid &= np.isfinite(width) & np.isfinite(tau) & np.isfinite(refractory)
    over = onset + kernel.stop * width <= refractory  # the pulse ends while refractory
    pulsed = valid & (height != 0) & ~over
    arrays = (
        height,
        width,
        onset,
        tau,
        resistance,
        resistance * bias,
        threshold,
        reset,
        refractory,
        refractory,
        refractory,
    )  # start and release are set by resumed()
    trajectory = Trajectory(kernel, *(np.asarray(array)[pulsed] for array in arrays))
    return (
        np.where(valid, 0.0, np.nan),
        pulsed,
        period,
        trajectory.resumed(trajectory.refractory_period),
    )


def _advance_chunk(
    kernel: Kernel,
    height: FloatArray,
    width: FloatArray,
    phase: FloatArray,
    neuron: list[FloatArray],
) -> FloatArray:
    """:func:`spike_advance` for flat arrays of at most :data:`_CHUNK_PULSES` pulses."""
    advance, pulsed, period, trajectory = _pulsed(kernel, height, width, phase, neuron)
    advance[pulsed] = period[pulsed] - next_spike(trajectory, np.inf)
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

    The neuron spiked at time 0, so unpulsed it would spike next at ``T``
    (:func:`~pulsesweep.model.neuron.tonic_period`); the pulse has onset ``t0 = phase * T`` (for
    the gaussian, its peak). Pulse current during the refractory period ``[0, t_ref)`` has no
    effect; integration resumes from ``Vr`` at ``t_ref``, and the next spike ``t*`` is the first
    later time with ``v = Vt``. The pulse is assumed not to act before time 0: for a gaussian
    that starts (``t0 - 10 w``) before the last spike, the earlier part, which could have moved
    that spike, is ignored. ``t*`` is found by steps that provably skip no crossing but are at
    least ``min(w/10, tau/50)``, then refined by Newton's method to 1e-14 s
    (:func:`pulsesweep.theory.spike_search.next_spike`).

    Parameters
    ----------
    kernel
        A kernel name from :data:`pulsesweep.model.kernels.KERNELS`.
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
        ``T - t*`` (s): positive for an advance, negative for a delay, ``(1 - phase) T``
        in the limit of a strong pulse, 0 for a pulse over before ``t_ref``. NaN where
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
    trajectory: Trajectory, marks: FloatArray, count: FloatArray, last: FloatArray
) -> None:
    """Find each pulsed train's spikes in turn until the later of its ``marks`` (``(2, n)``),
    adding up in ``count`` the spikes before each mark and keeping the last of them in
    ``last`` (both ``(2, n)``, in place; ``count`` NaN where a search gave up). A train is
    left once the pulse is over when its refractory period ends: it is periodic from then
    on, and the differences of phase stay as they are."""
    end = marks.max(axis=0)
    active = np.arange(end.size)
    while active.size:
        spike = next_spike(trajectory, end[active])
        before = spike < marks[:, active]
        count[:, active] += before
        last[:, active] = np.where(before, spike, last[:, active])
        resume = spike + trajectory.refractory_period
        stuck = resume <= trajectory.start  # no progress (t_ref = 0 and v >= Vt at once)
        count[:, active[np.isnan(spike) | stuck]] = np.nan
        acting = resume < trajectory.onset + trajectory.kernel.stop * trajectory.width
        going = acting & (resume < end[active]) & ~stuck
        active, trajectory = active[going], trajectory.take(going).after(spike[going])


def _shift_chunk(
    kernel: Kernel,
    height: FloatArray,
    width: FloatArray,
    phase: FloatArray,
    neuron: list[FloatArray],
    horizon: FloatArray,
) -> FloatArray:
    """:func:`phase_shift` for flat arrays of at most :data:`_CHUNK_PULSES` pulses.

    With ``n`` spikes before ``t > 0`` (the one at 0 included), the last at ``t_n``,
    ``phi_p(t) = n + (t - t_n)/T`` and ``phi_c(t) = 1 + t/T``, so
    ``[phi_p - phi_c](t) = n - 1 - t_n/T``.
    """
    phase = np.where(np.isnan(horizon), np.nan, phase)
    shift, pulsed, period, trajectory = _pulsed(kernel, height, width, phase, neuron)
    opening = np.maximum(trajectory.onset + kernel.response_onset * trajectory.width, 0.0)
    marks = np.stack([opening, horizon[pulsed]])
    count, last = np.ones(marks.shape), np.zeros(marks.shape)
    _follow_train(trajectory, marks, count, last)
    difference = count - 1 - last / period[pulsed]
    shift[pulsed] = difference[1] - np.where(opening > 0, difference[0], 0.0)
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

    The neuron spiked at time 0 and fires tonically with period ``T`` (control: 0, ``T``,
    ``2 T``, ...); the pulse is as for :func:`spike_advance`, which finds the first pulsed
    spike. Every later one is found the same way, from ``Vr`` at the end of the previous
    one's refractory period, with the pulse still acting, up to ``horizon``. The shift is
    measured as :func:`pulsesweep.analysis.responses.pulse_response` measures ``phase_advance``:
    with ``phi(t) = N(t) + (t - last spike before t)/T`` (``N`` the spikes before ``t``),
    ``[phi_p - phi_c](horizon) - [phi_p - phi_c](t_open)``, ``t_open = max(0, t0 + onset
    w)`` (``onset`` the kernel's ``response_onset``). Each extra spike adds a cycle; once
    the pulse is over the shift stays constant, and if it ends before the refractory
    period after the first pulsed spike, the shift is ``spike_advance / T``.

    Parameters
    ----------
    kernel, height, width, phase
        The pulse, as for :func:`spike_advance`.
    neuron
        The neurons (:class:`~pulsesweep.model.neuron.Neuron`).
    horizon
        When the shift is measured (s, > 0, from the spike at 0; e.g. ``t_open`` plus the
        response window). May be infinite, except for the ``inverse_time`` kernel.

    Returns
    -------
    numpy.ndarray
        The shift (cycles): positive for an advance. NaN where the neuron does not fire
        tonically (``R I0 <= Vt``) or an input is NaN. All arguments but ``kernel``
        broadcast.
    """
    arrays = float_arrays(height, width, phase, *neuron_arrays(neuron), horizon)
    if np.any(arrays[-1] <= 0):
        raise ValueError("horizon must be > 0")
    if np.any(np.isinf(arrays[-1])) and math.isinf(get_kernel(kernel).stop):
        raise ValueError(f"the {kernel!r} kernel never ends; give a finite horizon")
    return _by_chunks(_shift_chunk, kernel, arrays)
