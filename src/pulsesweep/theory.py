"""Closed-form theory of the LIF neuron, vectorised over pulses and neurons.

The neuron is ``tau dv/dt = R I(t) - v`` with threshold ``Vt``, reset ``Vr`` and an
absolute refractory period ``t_ref`` during which ``v`` is held at ``Vr``. With the bias
``I0`` alone (``mu = R I0 > Vt``) it fires tonically with period
``T = t_ref + tau ln((mu - Vr)/(mu - Vt))``. A pulse of height ``h`` and width ``w`` with
onset ``t0`` adds ``h k((t - t0)/w)`` to the current (kernels in
:mod:`pulsesweep.kernels`). The equation is linear, so from the end ``t_a`` of a
refractory period (``v(t_a) = Vr``) until the next spike

    v(t) = mu + (Vr - mu - R h P(t_a - t0)) exp(-(t - t_a)/tau) + R h P(t - t0),

where ``P`` (:func:`membrane_response`) is the membrane's response to the unit pulse.
Everything here is numpy and scipy (no Brian2) and broadcasts over its array arguments,
so that tens of thousands of pulses, each with its own neuron, are computed at once.
SI units throughout.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from pulsesweep.kernels import Kernel, get_kernel

__all__ = [
    "chronaxie",
    "firing_rate",
    "lapicque_threshold",
    "membrane_response",
    "phase_advance",
    "rheobase_current",
    "slow_pulse_extra_spikes",
    "small_charge_slope",
    "spike_advance",
    "tonic_period",
]

FloatArray = NDArray[np.float64]

#: Spike times are refined by bisection until the bracket is this narrow (s).
_TIME_TOLERANCE = 1e-14
#: Pulses computed together, and grid points evaluated at once (bounds the memory).
_CHUNK_PULSES = 1 << 16
_CHUNK_ELEMENTS = 1 << 19
#: Above this argument ``exp(-z) Ei(z)`` is summed from its asymptotic series.
_EXPI_ASYMPTOTIC = 700.0


def _float_arrays(*values: ArrayLike) -> list[FloatArray]:
    """The arguments as float64 arrays broadcast to one shape."""
    return np.broadcast_arrays(*(np.asarray(value, dtype=np.float64) for value in values))


def _unwrap(array: FloatArray) -> FloatArray:
    """A 0-d result as a numpy scalar, any other unchanged."""
    return array[()]


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
    tau, resistance, bias, threshold, reset, refractory = _float_arrays(
        tau, resistance, bias_current, v_threshold, v_reset, refractory_period)
    drive = resistance * bias
    fires = drive > threshold
    ratio = np.divide(drive - reset, drive - threshold, out=np.ones_like(drive), where=fires)
    return _unwrap(np.where(fires, refractory + tau * np.log(ratio), np.inf))


def firing_rate(current: ArrayLike, tau: ArrayLike, resistance: ArrayLike,
                v_threshold: ArrayLike, v_reset: ArrayLike,
                refractory_period: ArrayLike) -> FloatArray:
    """The f–I curve ``1/(t_ref + tau ln((R I - Vr)/(R I - Vt)))`` (Hz), 0 where ``R I <= Vt``.

    Parameters as for :func:`tonic_period`, with ``current`` (A) the constant input.
    """
    period = tonic_period(tau, resistance, current, v_threshold, v_reset, refractory_period)
    return _unwrap(1.0 / np.asarray(period))


def _box_response(x: FloatArray, width: FloatArray, tau: FloatArray) -> FloatArray:
    out = np.zeros_like(x)
    rising = (x > 0) & (x < width)
    out[rising] = -np.expm1(-x[rising] / tau[rising])
    after = (x > 0) & (x >= width)
    w, t = width[after], tau[after]
    out[after] = -np.expm1(-w / t) * np.exp(-(x[after] - w) / t)
    return out


def _exponential_response(x: FloatArray, width: FloatArray, tau: FloatArray) -> FloatArray:
    out = np.zeros_like(x)
    exponent = x / tau - x / width  # x (w - tau)/(w tau): small near w = tau
    near = (x > 0) & (np.abs(exponent) <= 1)
    xn, tn = x[near], tau[near]
    out[near] = xn / tn * np.exp(-xn / tn) * special.exprel(exponent[near])
    far = (x > 0) & (np.abs(exponent) > 1)
    xf, wf, tf = x[far], width[far], tau[far]
    out[far] = wf / (wf - tf) * (np.exp(-xf / wf) - np.exp(-xf / tf))
    return out


def _alpha_response(x: FloatArray, width: FloatArray, tau: FloatArray) -> FloatArray:
    """``(e/(tau w)) exp(-x/tau) x^2 phi(a x)``, ``a = 1/w - 1/tau``,
    ``phi(u) = (1 - exp(-u)(1 + u))/u^2``, by its series where ``|u| <= 1``."""
    out = np.zeros_like(x)
    rate = 1 / width - 1 / tau
    argument = rate * x
    near = (x > 0) & (np.abs(argument) <= 1)
    u = argument[near]
    series, term = np.zeros_like(u), np.ones_like(u)
    for n in range(24):  # phi(u) = sum (-u)^n / (n! (n + 2))
        series += term / (n + 2)
        term *= -u / (n + 1)
    xn, wn, tn = x[near], width[near], tau[near]
    out[near] = math.e / (tn * wn) * xn * xn * np.exp(-xn / tn) * series
    far = (x > 0) & (np.abs(argument) > 1)
    xf, wf, tf, af = x[far], width[far], tau[far], rate[far]
    out[far] = math.e / (tf * wf * af * af) * (
        np.exp(-xf / tf) - np.exp(-xf / wf) * (1 + af * xf))
    return out


def _gaussian_response(x: FloatArray, width: FloatArray, tau: FloatArray) -> FloatArray:
    """Completing the square: ``(w/tau) sqrt(pi/2) exp(-x/tau + w^2/(2 tau^2)) erfc(z)``,
    with ``erfc(z) = erfcx(z) exp(-z^2)`` for ``z > 0`` so that nothing overflows."""
    z = -(x - width * width / tau) / (width * math.sqrt(2))
    positive = np.maximum(z, 0.0)
    log_erfc = np.where(z > 0, np.log(special.erfcx(positive)) - positive * positive,
                        np.log(special.erfc(np.minimum(z, 0.0))))
    exponent = -x / tau + width * width / (2 * tau * tau) + log_erfc
    return width / tau * math.sqrt(math.pi / 2) * np.exp(exponent)


def _scaled_expi(z: FloatArray) -> FloatArray:
    """``exp(-z) Ei(z)`` for ``z > 0``, without overflow for large ``z``."""
    out = np.empty_like(z)
    small = z <= _EXPI_ASYMPTOTIC
    out[small] = np.exp(-z[small]) * special.expi(z[small])
    large = z[~small]
    series, term = np.zeros_like(large), np.ones_like(large)
    for n in range(12):  # (1/z) sum n!/z^n; the terms shrink until n ~ z
        series += term
        term *= (n + 1) / large
    out[~small] = series / large
    return out


def _inverse_time_response(x: FloatArray, width: FloatArray, tau: FloatArray) -> FloatArray:
    """``(w/tau) exp(-(x + w)/tau) (Ei((w + x)/tau) - Ei(w/tau))``."""
    out = np.zeros_like(x)
    on = x > 0
    xo, wo, to = x[on], width[on], tau[on]
    out[on] = wo / to * (_scaled_expi((wo + xo) / to)
                         - np.exp(-xo / to) * _scaled_expi(wo / to))
    return out


_RESPONSES: dict[str, Callable[[FloatArray, FloatArray, FloatArray], FloatArray]] = {
    "box": _box_response,
    "exponential": _exponential_response,
    "alpha": _alpha_response,
    "gaussian": _gaussian_response,
    "inverse_time": _inverse_time_response,
}


def membrane_response(kernel: str, x: ArrayLike, width: ArrayLike, tau: ArrayLike) -> FloatArray:
    """The membrane's response ``P(x)`` to a pulse of unit height.

    ``P(x) = (1/tau) * integral over s <= x of k(s/w) exp(-(x - s)/tau) ds``: a pulse of
    height ``h`` moves the potential by ``R h P(t - t0)`` (dimensionless; ``P -> k(x/w)``
    for a pulse much slower than the membrane).

    Parameters
    ----------
    kernel
        A kernel name from :data:`pulsesweep.kernels.KERNELS`.
    x
        Time since the onset, ``t - t0`` (s); for the gaussian, since its peak.
    width, tau
        Pulse width and membrane time constant (s). Broadcast with ``x``.

    Returns
    -------
    numpy.ndarray
        ``P(x)``, in closed form (exact at ``width == tau`` too; stable for large ``x``).
    """
    get_kernel(kernel)  # an unknown name fails with the list of allowed ones
    arrays = _float_arrays(x, width, tau)
    shape = arrays[0].shape
    x_flat, width_flat, tau_flat = (array.ravel() for array in arrays)
    return _unwrap(_RESPONSES[kernel](x_flat, width_flat, tau_flat).reshape(shape))


@dataclass(frozen=True)
class _Cycle:
    """One tonic cycle per pulse: the neuron spiked at 0 and the pulse starts at ``onset``."""

    kernel: str
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
    response_at_release: FloatArray  # P(t_ref - t0): the pulse before integration resumes

    def take(self, index: NDArray) -> _Cycle:
        """The cycles selected by ``index``."""
        arrays = {field.name: getattr(self, field.name)[index]
                  for field in fields(self) if field.name != "kernel"}
        return replace(self, **arrays)

    def margin(self, time: FloatArray) -> FloatArray:
        """``v(t) - Vt`` for ``t >= t_ref``; ``time`` is ``(n,)`` or ``(n, points)``."""

        def column(array: FloatArray) -> FloatArray:
            return array[:, None] if time.ndim == 2 else array

        tau, drive = column(self.tau), column(self.drive)
        decay = np.exp(-(time - column(self.refractory_period)) / tau)
        response = membrane_response(self.kernel, time - column(self.onset),
                                     column(self.width), tau)
        pulse = column(self.resistance * self.height) * (
            response - column(self.response_at_release) * decay)
        return drive + (column(self.v_reset) - drive) * decay + pulse - column(self.v_threshold)


def _scan(cycle: _Cycle, begin: FloatArray, stop: FloatArray,
          step: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Bracket the first grid point in ``[begin, stop]`` with ``v >= Vt`` and the one before.

    Windows of grid points are evaluated for the cycles still without a crossing; both
    bounds are NaN where ``v`` stays below ``Vt`` up to ``stop``.
    """
    lower, upper = np.full(begin.shape, np.nan), np.full(begin.shape, np.nan)
    active, offset = np.arange(begin.size), 0
    while active.size:
        columns = int(np.clip(_CHUNK_ELEMENTS // active.size, 8, 512))
        grid = offset + np.arange(columns + 1)
        time = np.minimum(begin[active, None] + grid * step[active, None], stop[active, None])
        above = cycle.take(active).margin(time) >= 0
        hit = above.any(axis=1)
        first = above[hit].argmax(axis=1)
        rows = np.flatnonzero(hit)
        upper[active[hit]] = time[rows, first]
        lower[active[hit]] = time[rows, np.maximum(first - 1, 0)]
        active = active[~hit & (time[:, -1] < stop[active])]
        offset += columns
    return lower, upper


def _bisect(cycle: _Cycle, lower: FloatArray, upper: FloatArray) -> FloatArray:
    """Refine brackets with ``v(lower) < Vt <= v(upper)`` to :data:`_TIME_TOLERANCE`."""
    widest = float(np.max(upper - lower, initial=0.0))
    iterations = max(0, math.ceil(math.log2(widest / _TIME_TOLERANCE))) if widest > 0 else 0
    for _ in range(iterations):
        middle = 0.5 * (lower + upper)
        above = cycle.margin(middle) >= 0
        upper = np.where(above, middle, upper)
        lower = np.where(above, lower, middle)
    return 0.5 * (lower + upper)


def _search_end(cycle: _Cycle, kernel: Kernel) -> FloatArray:
    """A time by which the pulse is over, or (inverse_time) the spike surely has come.

    For ``1/(1 + s)`` (``k <= 1``, decreasing), ``P(x) <= exp(-x/(2 tau)) + k(x/(2 w))``,
    so ``v >= Vt`` once each of three terms is below ``(mu - Vt)/3``.
    """
    if math.isfinite(kernel.stop):
        return cycle.onset + kernel.stop * cycle.width
    gap = cycle.drive - cycle.v_threshold
    ratio = np.maximum(3 * cycle.resistance * np.abs(cycle.height) / gap, 1.0)
    recovered = cycle.refractory_period + cycle.tau * np.log(
        3 * (cycle.drive - cycle.v_reset) / gap)
    decayed = cycle.onset + np.maximum(2 * cycle.tau * np.log(ratio),
                                       2 * cycle.width * (ratio - 1))
    return np.maximum.reduce([cycle.period, recovered, decayed]) * (1 + 1e-9)


def _next_spike(cycle: _Cycle, kernel: Kernel) -> FloatArray:
    """The pulsed neuron's next spike: the first time after ``t_ref`` with ``v = Vt``."""
    begin = np.maximum(cycle.refractory_period, cycle.onset + kernel.start * cycle.width)
    end = _search_end(cycle, kernel)
    step = np.minimum(cycle.width / 10, cycle.tau / 50)
    lower, upper = _scan(cycle, begin, np.maximum(end, begin), step)
    spike = np.full(begin.shape, np.nan)
    found = np.isfinite(upper)
    spike[found] = _bisect(cycle.take(found), lower[found], upper[found])
    # No crossing while the pulse lasts: afterwards v relaxes monotonically towards mu.
    tail = ~found & math.isfinite(kernel.stop)
    after = cycle.take(tail)
    tail_start = np.maximum(end[tail], after.refractory_period)
    below = after.margin(tail_start)  # v - Vt < 0
    spike[tail] = tail_start + after.tau * np.log(
        (after.drive - after.v_threshold - below) / (after.drive - after.v_threshold))
    return spike


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
    cycle = _Cycle(kernel.name, height, width, onset, tau, resistance, resistance * bias,
                   threshold, reset, refractory, period, np.zeros_like(height)).take(pulsed)
    release = membrane_response(kernel.name, cycle.refractory_period - cycle.onset,
                                cycle.width, cycle.tau)
    cycle = replace(cycle, response_at_release=np.asarray(release))
    advance[pulsed] = cycle.period - _next_spike(cycle, kernel)
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
    could have moved that spike, is ignored.

    ``t*`` is bracketed on a grid of step ``min(w/10, tau/50)`` (fine enough not to miss
    a grazing crossing by a pulse of width >= 0.1 ms), then refined by bisection to
    1e-14 s; after the pulse is over, ``v`` relaxes monotonically and ``t*`` is exact.

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
    arrays = _float_arrays(height, width, phase, tau, resistance, bias_current,
                           v_threshold, v_reset, refractory_period)
    if np.any((arrays[2] < 0) | (arrays[2] >= 1)):
        raise ValueError("phase must lie in [0, 1)")
    if np.any(arrays[1] <= 0):
        raise ValueError("width must be > 0")
    shape = arrays[0].shape
    flat = [array.ravel() for array in arrays]
    advance = np.empty(flat[0].size)
    for start in range(0, advance.size, _CHUNK_PULSES):
        part = [array[start:start + _CHUNK_PULSES] for array in flat]
        advance[start:start + _CHUNK_PULSES] = _advance_chunk(spec, *part[:3], part[3:])
    return _unwrap(advance.reshape(shape))


def phase_advance(kernel: str, height: ArrayLike, width: ArrayLike, phase: ArrayLike,
                  tau: ArrayLike, resistance: ArrayLike, bias_current: ArrayLike,
                  v_threshold: ArrayLike, v_reset: ArrayLike,
                  refractory_period: ArrayLike) -> FloatArray:
    """:func:`spike_advance` in cycles of the period ``T`` (same arguments)."""
    neuron = (tau, resistance, bias_current, v_threshold, v_reset, refractory_period)
    advance = spike_advance(kernel, height, width, phase, *neuron)
    return _unwrap(np.asarray(advance / tonic_period(*neuron)))


def small_charge_slope(tau: ArrayLike, resistance: ArrayLike, bias_current: ArrayLike,
                       v_threshold: ArrayLike, v_reset: ArrayLike, refractory_period: ArrayLike,
                       capacitance: ArrayLike) -> FloatArray:
    """Mean phase advance per unit charge of a small pulse, over uniform phases.

    A charge ``q`` at time ``t`` in ``(t_ref, T)`` raises ``v`` by ``q/C``, which has
    decayed by ``exp(-(T - t)/tau)`` at ``T``, where ``v`` climbs at ``(mu - Vt)/tau``:
    the linear phase-response curve is ``q tau exp(-(T - t)/tau) / (C (mu - Vt) T)``
    (zero while refractory). Its average over ``t`` in ``[0, T)`` is

        (tau/T)^2 (Vt - Vr) / (C (mu - Vr)(mu - Vt))   cycles per coulomb.

    Parameters as for :func:`tonic_period`, and the membrane capacitance (F).
    """
    tau, resistance, bias, threshold, reset, refractory, capacitance = _float_arrays(
        tau, resistance, bias_current, v_threshold, v_reset, refractory_period, capacitance)
    period = np.asarray(tonic_period(tau, resistance, bias, threshold, reset, refractory))
    drive = resistance * bias
    return _unwrap((tau / period) ** 2 * (threshold - reset)
                   / (capacitance * (drive - reset) * (drive - threshold)))


def slow_pulse_extra_spikes(kernel: str, height: ArrayLike, width: ArrayLike,
                            window: ArrayLike, tau: ArrayLike, resistance: ArrayLike,
                            bias_current: ArrayLike, v_threshold: ArrayLike,
                            v_reset: ArrayLike, refractory_period: ArrayLike,
                            points: int = 10_000) -> FloatArray:
    """Extra spikes of a pulse much slower than the neuron (the quasi-static limit).

    The neuron follows its f–I curve ``f`` (:func:`firing_rate`) at every instant, so a
    pulse adds ``integral of [f(I0 + h k((t - t0)/w)) - f(I0)] dt`` spikes, over
    ``[t0 + start w, t0 + window)`` (``start`` is the kernel's: -10 for the gaussian, 0
    otherwise). Computed by the midpoint rule on ``points`` nodes in ``s = (t - t0)/w``
    (exact for a box inside the window).

    Parameters
    ----------
    kernel
        A kernel name from :data:`pulsesweep.kernels.KERNELS`.
    height, width
        Pulse height (A) and width (s).
    window
        End of the counting window after ``t0`` (s); may be infinite for kernels of
        finite extent.
    tau, resistance, bias_current, v_threshold, v_reset, refractory_period
        The neuron, as for :func:`tonic_period`. All but ``kernel`` broadcast.
    points
        Quadrature nodes per pulse.

    Returns
    -------
    numpy.ndarray
        The number of extra spikes (negative for fewer).
    """
    spec = get_kernel(kernel)
    arrays = _float_arrays(height, width, window, tau, resistance, bias_current,
                           v_threshold, v_reset, refractory_period)
    shape = arrays[0].shape
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
        s = spec.start + extent[part, None] * nodes
        membrane = [array[part, None] for array in neuron]
        bias = membrane.pop(2)  # leaves tau, resistance, threshold, reset, refractory
        current = bias + height[part, None] * spec.shape(s)
        gain = firing_rate(current, *membrane) - firing_rate(bias, *membrane)
        extra[part] = width[part] * extent[part] * np.mean(gain, axis=1)
    return _unwrap(extra.reshape(shape))


def rheobase_current(resistance: ArrayLike, bias_current: ArrayLike,
                     v_threshold: ArrayLike) -> FloatArray:
    """``(Vt - R I0)/R`` (A): the extra steady current that makes a neuron at rest
    (``R I0 < Vt``) fire."""
    resistance, bias, threshold = _float_arrays(resistance, bias_current, v_threshold)
    return _unwrap((threshold - resistance * bias) / resistance)


def lapicque_threshold(width: ArrayLike, tau: ArrayLike, rheobase: ArrayLike) -> FloatArray:
    """Lapicque's strength–duration curve: ``rheobase / (1 - exp(-width/tau))`` (A).

    The height of a box pulse of ``width`` that just brings a neuron from rest
    (``v = R I0 < Vt``) to threshold, at its end.
    """
    width, tau, rheobase = _float_arrays(width, tau, rheobase)
    return _unwrap(rheobase / -np.expm1(-width / tau))


def chronaxie(tau: ArrayLike) -> FloatArray:
    """``tau ln 2`` (s): the width at which Lapicque's threshold is twice the rheobase."""
    return _unwrap(np.asarray(tau, dtype=np.float64) * math.log(2))
