"""Closed-form theory of the LIF neuron, vectorised over pulses and neurons.

``tau dv/dt = R I(t) - v``, threshold ``Vt``, reset ``Vr``, ``v`` held at ``Vr`` for
``t_ref`` after a spike; bias ``I0``, ``mu = R I0``. A pulse adds ``h k((t - t0)/w)`` to
the current (:mod:`pulsesweep.kernels`). From the end ``t_a`` of a refractory period
until the next spike ``v(t) = mu + (Vr - mu - R h P(t_a - t0)) exp(-(t - t_a)/tau) +
R h P(t - t0)``, with ``P`` the response to the unit pulse (:func:`membrane_response`).
numpy and scipy only (no Brian2); every function broadcasts over its array arguments
(scalars give numpy scalars), so tens of thousands of pulses, each with its own neuron,
are computed at once. SI units throughout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pulsesweep.kernels import Kernel, get_kernel
from pulsesweep.membrane import float_arrays, membrane_response, numpy_result

__all__ = ["chronaxie", "firing_rate", "lapicque_threshold", "membrane_response",
           "phase_advance", "rheobase_current", "slow_pulse_extra_spikes", "small_charge_slope",
           "spike_advance", "tonic_period"]

FloatArray = NDArray[np.float64]

_TIME_TOLERANCE = 1e-14  # s: spike times are refined until Newton's steps are this short
_MAX_STEPS, _MAX_REFINEMENTS = 100_000, 100  # then give up on a spike (NaN)
_CHUNK_PULSES = 1 << 16  # pulses computed together (bounds the memory)
_CHUNK_ELEMENTS = 1 << 19  # values evaluated at once by the quadrature
_LOOKAHEAD_ELEMENTS = 1 << 17  # points checked at once by the spike search
_KERNEL_PEAKS = {"alpha": 1.0}  # where k peaks (at 1; rising before, decaying after), else 0


def tonic_period(tau: ArrayLike, resistance: ArrayLike, bias_current: ArrayLike,
                 v_threshold: ArrayLike, v_reset: ArrayLike,
                 refractory_period: ArrayLike) -> FloatArray:
    """The period of tonic firing, ``T = t_ref + tau ln((R I0 - Vr)/(R I0 - Vt))``.

    Parameters
    ----------
    tau, resistance, bias_current, v_threshold, v_reset, refractory_period
        Membrane time constant (s), resistance (ohm), bias current (A), threshold and
        reset potentials (V), absolute refractory period (s). Broadcast together.

    Returns
    -------
    numpy.ndarray
        ``T`` (s); infinite where ``R I0 <= Vt`` (the neuron never fires).
    """
    tau, resistance, bias, threshold, reset, refractory = float_arrays(
        tau, resistance, bias_current, v_threshold, v_reset, refractory_period)
    drive = resistance * bias
    fires = drive > threshold
    ratio = np.divide(drive - reset, drive - threshold, out=np.ones_like(drive), where=fires)
    return numpy_result(np.where(fires, refractory + tau * np.log(ratio), np.inf))


def firing_rate(current: ArrayLike, tau: ArrayLike, resistance: ArrayLike,
                v_threshold: ArrayLike, v_reset: ArrayLike,
                refractory_period: ArrayLike) -> FloatArray:
    """The f–I curve ``1/(t_ref + tau ln((R I - Vr)/(R I - Vt)))`` (Hz), 0 where ``R I <= Vt``.

    Parameters as for :func:`tonic_period`, with ``current`` (A) the constant input.
    """
    return numpy_result(1.0 / tonic_period(tau, resistance, current, v_threshold, v_reset,
                                      refractory_period))


@dataclass(frozen=True)
class _Cycle:
    """One tonic cycle per pulse: the neuron spiked at 0 and the pulse starts at ``onset``;
    ``release`` is ``P(t_ref - t0)``, the pulse's part before integration resumes."""

    kernel: Kernel
    height: FloatArray
    width: FloatArray
    onset: FloatArray
    tau: FloatArray
    resistance: FloatArray
    drive: FloatArray
    v_threshold: FloatArray
    v_reset: FloatArray
    refractory_period: FloatArray
    period: FloatArray
    release: FloatArray

    def take(self, index: NDArray) -> _Cycle:
        """The cycles selected by ``index``."""
        return replace(self, **{field.name: getattr(self, field.name)[index]
                                for field in fields(self) if field.name != "kernel"})

    def margin(self, time: FloatArray) -> FloatArray:
        """``v(t) - Vt`` for ``t >= t_ref``; ``time`` is ``(n,)`` or ``(n, points)``."""

        def column(array: FloatArray) -> FloatArray:
            return array[:, None] if time.ndim == 2 else array

        tau, drive = column(self.tau), column(self.drive)
        decay = np.exp(-(time - column(self.refractory_period)) / tau)
        response = membrane_response(self.kernel.name, time - column(self.onset),
                                     column(self.width), tau)
        pulse = column(self.resistance * self.height) * (response - column(self.release) * decay)
        return drive + (column(self.v_reset) - drive) * decay + pulse - column(self.v_threshold)

    def slope(self, time: FloatArray, margin: FloatArray) -> FloatArray:
        """``dv/dt = (mu + R h k - v)/tau`` where ``v - Vt = margin``."""
        current = self.height * self.kernel.shape((time - self.onset) / self.width)
        return (self.drive - self.v_threshold + self.resistance * current - margin) / self.tau


def _march(cycle: _Cycle, begin: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Step from ``begin`` until ``v >= Vt``; return the last step ``[lower, upper]``.

    ``dv/dt = (mu + R h k - v)/tau`` with ``k <= K``, the kernel's largest value from the
    current ``s`` on, so from ``m = v - Vt < 0`` the margin stays below
    ``D - (D - m) exp(-elapsed/tau)``, ``D = mu - Vt + R max(h, 0) K``: it cannot reach 0
    for ``tau ln(1 - m/D)``. Each iteration jumps that far (at least ``min(w/10, tau/50)``)
    and then checks a few more points that step apart, so only a crossing that grazes
    ``Vt`` between two such points can be missed, and only for ``h < 0``: for ``h >= 0``
    ``v`` rises monotonically below ``mu``, so any bracket holds the one crossing.
    NaN where none is found.
    """
    lower, upper = np.full(begin.shape, np.nan), np.full(begin.shape, np.nan)
    peak = _KERNEL_PEAKS.get(cycle.kernel.name, 0.0)
    margin = cycle.margin(begin)
    lower[margin >= 0] = upper[margin >= 0] = begin[margin >= 0]
    below = margin < 0
    active, time, margin = np.flatnonzero(below), begin[below], margin[below]
    current = cycle.take(below)
    for _ in range(_MAX_STEPS):
        if not active.size:
            break
        columns = int(np.clip(_LOOKAHEAD_ELEMENTS // active.size, 1, 256))
        shortest = np.minimum(current.width / 10, current.tau / 50)
        largest = current.kernel.shape(np.maximum((time - current.onset) / current.width, peak))
        reach = current.drive - current.v_threshold + current.resistance * np.maximum(
            current.height, 0.0) * largest
        jump = np.maximum(current.tau * np.log1p(-margin / reach), shortest)
        times = (time + jump)[:, None] + shortest[:, None] * np.arange(columns)
        margins = current.margin(times)
        above = margins >= 0
        crossed = above.any(axis=1)
        rows, first = np.flatnonzero(crossed), above[crossed].argmax(axis=1)
        upper[active[crossed]] = times[rows, first]
        lower[active[crossed]] = np.where(first > 0, times[rows, np.maximum(first - 1, 0)],
                                          time[crossed])
        active, time, margin = active[~crossed], times[~crossed, -1], margins[~crossed, -1]
        current = current.take(~crossed)
    return lower, upper


def _refine(cycle: _Cycle, lower: FloatArray, upper: FloatArray) -> FloatArray:
    """The crossing inside ``[lower, upper]`` (``v(lower) < Vt <= v(upper)``): Newton's
    method, with bisection whenever it would leave the bracket, to :data:`_TIME_TOLERANCE`."""
    time = 0.5 * (lower + upper)
    for _ in range(_MAX_REFINEMENTS):
        margin = cycle.margin(time)
        above = margin >= 0
        upper, lower = np.where(above, time, upper), np.where(above, lower, time)
        slope = cycle.slope(time, margin)
        newton = time - np.divide(margin, slope, out=np.full_like(time, np.inf), where=slope > 0)
        inside = (newton >= lower) & (newton <= upper)
        following = np.where(inside, newton, 0.5 * (lower + upper))
        converged = np.abs(following - time) <= _TIME_TOLERANCE
        time = following
        if converged.all():
            break
    return time


def _advance_chunk(kernel: Kernel, height: FloatArray, width: FloatArray, phase: FloatArray,
                   neuron: list[FloatArray]) -> FloatArray:
    """:func:`spike_advance` for flat arrays of at most :data:`_CHUNK_PULSES` pulses."""
    tau, resistance, bias, threshold, reset, refractory = neuron
    period = np.asarray(tonic_period(tau, resistance, bias, threshold, reset, refractory))
    onset = phase * period
    valid = np.isfinite(period) & np.isfinite(onset) & np.isfinite(height)
    valid &= np.isfinite(width) & np.isfinite(tau) & np.isfinite(refractory)
    advance = np.where(valid, 0.0, np.nan)
    over = onset + kernel.stop * width <= refractory  # the pulse ends while refractory
    pulsed = valid & (height != 0) & ~over
    cycle = _Cycle(kernel, height, width, onset, tau, resistance, resistance * bias,
                   threshold, reset, refractory, period, np.zeros_like(height)).take(pulsed)
    cycle = replace(cycle, release=np.asarray(membrane_response(
        kernel.name, cycle.refractory_period - cycle.onset, cycle.width, cycle.tau)))
    # Before the pulse starts v is the unpulsed one, below Vt until T.
    begin = np.maximum(cycle.refractory_period, cycle.onset + kernel.start * cycle.width)
    lower, upper = _march(cycle, begin)
    spike = np.full(begin.shape, np.nan)
    found = np.isfinite(upper)
    spike[found] = _refine(cycle.take(found), lower[found], upper[found])
    advance[pulsed] = cycle.period - spike
    return advance


def spike_advance(kernel: str, height: ArrayLike, width: ArrayLike, phase: ArrayLike,
                  tau: ArrayLike, resistance: ArrayLike, bias_current: ArrayLike,
                  v_threshold: ArrayLike, v_reset: ArrayLike,
                  refractory_period: ArrayLike) -> FloatArray:
    """How much earlier a pulse brings the next spike of a tonically firing neuron.

    The neuron spiked at time 0, so unpulsed it would spike next at ``T``
    (:func:`tonic_period`); the pulse has onset ``t0 = phase * T`` (for the gaussian,
    its peak). Pulse current during the refractory period ``[0, t_ref)`` has no effect;
    integration resumes from ``Vr`` at ``t_ref``, and the next spike ``t*`` is the first
    later time with ``v = Vt``. The pulse is assumed not to act before time 0: for a
    gaussian that starts (``t0 - 10 w``) before the last spike, the earlier part, which
    could have moved that spike, is ignored. ``t*`` is found by steps that provably skip
    no crossing but are at least ``min(w/10, tau/50)`` (:func:`_march`), then refined by
    Newton's method to 1e-14 s.

    Parameters
    ----------
    kernel
        A kernel name from :data:`pulsesweep.kernels.KERNELS`.
    height, width
        Pulse height (A; negative hyperpolarises) and width (s, > 0).
    phase
        Onset as a fraction of the period, in ``[0, 1)``.
    tau, resistance, bias_current, v_threshold, v_reset, refractory_period
        The neuron, as for :func:`tonic_period`. All arguments but ``kernel`` broadcast.

    Returns
    -------
    numpy.ndarray
        ``T - t*`` (s): positive for an advance, negative for a delay, ``(1 - phase) T``
        in the limit of a strong pulse, 0 for a pulse over before ``t_ref``. NaN where
        the neuron does not fire tonically (``R I0 <= Vt``) or an input is NaN.
    """
    spec = get_kernel(kernel)
    arrays = float_arrays(height, width, phase, tau, resistance, bias_current,
                           v_threshold, v_reset, refractory_period)
    if np.any((arrays[2] < 0) | (arrays[2] >= 1)):
        raise ValueError("phase must lie in [0, 1)")
    if np.any(arrays[1] <= 0):
        raise ValueError("width must be > 0")
    flat = [array.ravel() for array in arrays]
    advance = np.empty(flat[0].size)
    for start in range(0, advance.size, _CHUNK_PULSES):
        part = [array[start:start + _CHUNK_PULSES] for array in flat]
        advance[start:start + _CHUNK_PULSES] = _advance_chunk(spec, *part[:3], part[3:])
    return numpy_result(advance.reshape(arrays[0].shape))


def phase_advance(kernel: str, height: ArrayLike, width: ArrayLike, phase: ArrayLike,
                  tau: ArrayLike, resistance: ArrayLike, bias_current: ArrayLike,
                  v_threshold: ArrayLike, v_reset: ArrayLike,
                  refractory_period: ArrayLike) -> FloatArray:
    """:func:`spike_advance` in cycles of the period ``T`` (same arguments)."""
    neuron = (tau, resistance, bias_current, v_threshold, v_reset, refractory_period)
    advance = spike_advance(kernel, height, width, phase, *neuron)
    return numpy_result(advance / tonic_period(*neuron))


def small_charge_slope(tau: ArrayLike, resistance: ArrayLike, bias_current: ArrayLike,
                       v_threshold: ArrayLike, v_reset: ArrayLike, refractory_period: ArrayLike,
                       capacitance: ArrayLike) -> FloatArray:
    """Mean phase advance per unit charge of a small pulse, over uniform phases.

    A charge ``q`` at time ``t`` in ``(t_ref, T)`` raises ``v`` by ``q/C``, which has
    decayed by ``exp(-(T - t)/tau)`` at ``T``, where ``v`` climbs at ``(mu - Vt)/tau``:
    the linear phase-response curve is ``q tau exp(-(T - t)/tau) / (C (mu - Vt) T)``
    (zero while refractory). Its average over ``t`` in ``[0, T)`` is
    ``(tau/T)^2 (Vt - Vr) / (C (mu - Vr)(mu - Vt))`` cycles per coulomb (returned).
    Parameters as for :func:`tonic_period`, and the membrane capacitance (F).
    """
    tau, resistance, bias, threshold, reset, refractory, capacitance = float_arrays(
        tau, resistance, bias_current, v_threshold, v_reset, refractory_period, capacitance)
    period = tonic_period(tau, resistance, bias, threshold, reset, refractory)
    drive = resistance * bias
    return numpy_result((tau / period) ** 2 * (threshold - reset)
                   / (capacitance * (drive - reset) * (drive - threshold)))


def slow_pulse_extra_spikes(kernel: str, height: ArrayLike, width: ArrayLike,
                            window: ArrayLike, tau: ArrayLike, resistance: ArrayLike,
                            bias_current: ArrayLike, v_threshold: ArrayLike,
                            v_reset: ArrayLike, refractory_period: ArrayLike,
                            points: int = 10_000) -> FloatArray:
    """Extra spikes of a pulse much slower than the neuron (the quasi-static limit).

    The neuron follows its f–I curve ``f`` (:func:`firing_rate`) at every instant, so a
    pulse adds ``integral of [f(I0 + h k((t - t0)/w)) - f(I0)] dt`` spikes over
    ``[t0 + start w, t0 + window)`` (``start`` is the kernel's: -10 for the gaussian, 0
    otherwise), here by the midpoint rule on ``points`` nodes in ``s = (t - t0)/w``
    (exact for a box inside the window).

    Parameters
    ----------
    kernel, height, width, tau, resistance, bias_current, v_threshold, v_reset, refractory_period
        As for :func:`spike_advance`; all but ``kernel`` broadcast, with ``window``.
    window
        End of the counting window after ``t0`` (s); may be infinite for kernels of
        finite extent (not ``inverse_time``).
    points
        Quadrature nodes per pulse.

    Returns
    -------
    numpy.ndarray
        The number of extra spikes (negative for fewer).
    """
    spec = get_kernel(kernel)
    arrays = float_arrays(height, width, window, tau, resistance, bias_current,
                           v_threshold, v_reset, refractory_period)
    height, width, window, *neuron = (array.ravel() for array in arrays)
    s_stop = np.minimum(spec.stop, window / width)
    if not np.all(np.isfinite(s_stop)):
        raise ValueError(f"the {kernel!r} kernel never ends; give a finite window")
    extent = np.maximum(s_stop - spec.start, 0.0)
    nodes = (np.arange(points) + 0.5) / points
    extra = np.empty(height.size)
    rows = max(1, _CHUNK_ELEMENTS // points)
    for start in range(0, height.size, rows):
        part = slice(start, start + rows)
        membrane = [array[part, None] for array in neuron]
        bias = membrane.pop(2)  # leaves tau, resistance, threshold, reset, refractory
        current = bias + height[part, None] * spec.shape(spec.start + extent[part, None] * nodes)
        gain = firing_rate(current, *membrane) - firing_rate(bias, *membrane)
        extra[part] = width[part] * extent[part] * np.mean(gain, axis=1)
    return numpy_result(extra.reshape(arrays[0].shape))


def rheobase_current(resistance: ArrayLike, bias_current: ArrayLike,
                     v_threshold: ArrayLike) -> FloatArray:
    """``(Vt - R I0)/R`` (A): the extra steady current that makes a neuron at rest
    (``R I0 < Vt``) fire."""
    resistance, bias, threshold = float_arrays(resistance, bias_current, v_threshold)
    return numpy_result((threshold - resistance * bias) / resistance)


def lapicque_threshold(width: ArrayLike, tau: ArrayLike, rheobase: ArrayLike) -> FloatArray:
    """Lapicque's strength–duration curve: ``rheobase / (1 - exp(-width/tau))`` (A), the
    height of a box pulse of ``width`` that just brings a neuron from rest
    (``v = R I0 < Vt``) to threshold, at its end."""
    width, tau, rheobase = float_arrays(width, tau, rheobase)
    return numpy_result(rheobase / -np.expm1(-width / tau))


def chronaxie(tau: ArrayLike) -> FloatArray:
    """``tau ln 2`` (s): the width at which Lapicque's threshold is twice the rheobase."""
    return numpy_result(np.asarray(tau, dtype=np.float64) * math.log(2))
