"""The spike search behind the LIF theory (:mod:`pulsesweep.theory.lif`).

From the end ``t_a`` of a refractory period (``v = Vr`` there) until the next spike,
``v(t) = mu + (Vr - mu) exp(-(t - t_a)/tau) + R h J(t_a, t)``, where ``J(t_a, t)`` is
the unit pulse's contribution since ``t_a`` (:class:`Trajectory`): for a built-in kernel
``P(t - t0) - P(t_a - t0) exp(-(t - t_a)/tau)`` in closed form
(:func:`~pulsesweep.theory.membrane.membrane_response`); for a kernel given by its
expression, accumulated by quadrature as the search moves forward
(:func:`~pulsesweep.theory.quadrature.response_integral`), so each stretch of time is
integrated once. :func:`next_spike` finds the first time ``v`` reaches ``Vt`` for many
pulses at once: steps that provably skip no crossing (:func:`_march`), then Newton's
method (:func:`_refine`). numpy and scipy only; SI units throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray

from pulsesweep.model.kernels import Kernel
from pulsesweep.theory.membrane import membrane_response
from pulsesweep.theory.quadrature import ceiling, response_integral

__all__ = ["Trajectory", "next_spike"]

FloatArray = NDArray[np.float64]

_TIME_TOLERANCE = 1e-14  # s: spike times are refined until Newton's steps are this short
_MAX_STEPS, _MAX_REFINEMENTS = 100_000, 100  # then give up on a spike (NaN)
_LOOKAHEAD_ELEMENTS = 1 << 17  # points checked at once by the spike search
_LOOKAHEAD_POINTS = 16  # at most this many per trajectory and step (more only cost time)
_KERNEL_PEAKS = {"alpha": 1.0}  # where a built-in k peaks (rising before, decaying after), else 0


@dataclass(frozen=True)
class Trajectory:
    """Per pulse, a neuron whose refractory period ended at ``start`` (``v = Vr`` there),
    driven by ``mu = drive`` and a pulse of onset ``onset`` (the gaussian's peak).

    Set by :meth:`resumed`: ``release = P(start - onset)``, what the reset removed (built-in
    kernels); ``anchor`` and ``settled = J(start, anchor)``, how far the pulse's
    contribution has been integrated (kernels given by their expression; moved forward
    by :meth:`anchored`).
    """

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
    start: FloatArray
    release: FloatArray
    anchor: FloatArray
    settled: FloatArray

    def take(self, index: NDArray[np.bool_] | NDArray[np.integer]) -> Trajectory:
        """The trajectories selected by ``index``."""
        return replace(
            self,
            **{
                field.name: getattr(self, field.name)[index]
                for field in fields(self)
                if field.name != "kernel"
            },
        )

    def resumed(self, start: FloatArray) -> Trajectory:
        """The trajectories with integration resuming from ``Vr`` at ``start``."""
        start = np.asarray(start, dtype=np.float64)
        release = (
            membrane_response(self.kernel.name, start - self.onset, self.width, self.tau)
            if self.kernel.builtin
            else np.zeros(start.shape)
        )
        zero = np.zeros(start.shape)
        return replace(self, start=start, release=np.asarray(release), anchor=start, settled=zero)

    def after(self, spike: FloatArray) -> Trajectory:
        """The trajectories after a spike at ``spike``: ``Vr`` from ``spike + t_ref`` on."""
        return self.resumed(spike + self.refractory_period)

    def anchored(self, time: FloatArray, integral: FloatArray) -> Trajectory:
        """The trajectories with ``J(start, time) = integral`` known (``time >= anchor``)."""
        return replace(self, anchor=time, settled=integral)

    def integral(self, time: FloatArray) -> FloatArray:
        """``J(start, t)`` at ``time`` (``(n,)``, or ``(n, points)`` increasing along rows),
        for times at or after ``anchor``."""
        if self.kernel.builtin:
            tau = _along(self.tau, time)
            response = membrane_response(
                self.kernel.name, time - _along(self.onset, time), _along(self.width, time), tau
            )
            decay: FloatArray = np.exp(-(time - _along(self.start, time)) / tau)
            return response - _along(self.release, time) * decay
        if time.ndim == 1:
            return self._since(self.anchor, self.settled, time)
        columns, previous, settled = [], self.anchor, self.settled
        for column in time.T:  # each stretch of a row integrated once
            settled = self._since(previous, settled, column)
            columns.append(settled)
            previous = column
        return np.stack(columns, axis=1)

    def _since(self, previous: FloatArray, settled: FloatArray, time: FloatArray) -> FloatArray:
        """``J(start, time)`` from ``J(start, previous) = settled`` (``previous <= time``),
        for a kernel given by its expression."""
        stretch = response_integral(self.kernel, self.onset, self.width, self.tau, previous, time)
        decay: FloatArray = np.exp(-(time - previous) / self.tau)
        return settled * decay + stretch

    def margin(self, time: FloatArray, integral: FloatArray | None = None) -> FloatArray:
        """``v(t) - Vt`` for ``t >= anchor``; ``time`` is ``(n,)`` or ``(n, points)``;
        ``integral`` is ``J(start, time)`` if known."""

        if integral is None:
            integral = self.integral(time)
        drive = _along(self.drive, time)
        decay: FloatArray = np.exp(-(time - _along(self.start, time)) / _along(self.tau, time))
        pulse = _along(self.resistance * self.height, time) * integral
        return (
            drive
            + (_along(self.v_reset, time) - drive) * decay
            + pulse
            - _along(self.v_threshold, time)
        )

    def slope(self, time: FloatArray, margin: FloatArray) -> FloatArray:
        """``dv/dt = (mu + R h k - v)/tau`` where ``v - Vt = margin``."""
        current = self.height * self.kernel.shape((time - self.onset) / self.width)
        return (self.drive - self.v_threshold + self.resistance * current - margin) / self.tau

    def ceiling(self, time: FloatArray) -> FloatArray:
        """The largest value the kernel takes at or after ``time``."""
        s = (time - self.onset) / self.width
        if self.kernel.builtin:
            return self.kernel.shape(np.maximum(s, _KERNEL_PEAKS.get(self.kernel.name, 0.0)))
        return ceiling(self.kernel, s)


def _along(array: FloatArray, time: FloatArray) -> FloatArray:
    """A per-trajectory ``array`` shaped to broadcast with ``time`` (``(n,)`` or
    ``(n, points)``)."""
    return array[:, None] if time.ndim == 2 else array


def next_spike(trajectory: Trajectory, end: FloatArray | float) -> FloatArray:
    """The first time at or after ``start`` at which ``v = Vt``, per trajectory.

    The search begins where the pulse does (``t0 + start w`` of the kernel, if later than
    ``start``): before, ``v`` is the unpulsed one, assumed below ``Vt`` (true when the
    pulse starts before the unpulsed spike at ``start + T - t_ref``). Infinite where there
    is no spike before ``end`` (s, per trajectory), NaN where the search gave up.
    """
    kernel = trajectory.kernel
    begin = np.maximum(trajectory.start, trajectory.onset + kernel.start * trajectory.width)
    lower, upper, settled = _march(trajectory, begin, np.broadcast_to(end, begin.shape))
    spike = upper.copy()
    found = np.isfinite(upper)
    bracketed = trajectory.take(found).anchored(lower[found], settled[found])
    spike[found] = _refine(bracketed, lower[found], upper[found])
    spike[spike >= end] = np.inf
    return spike


def _march(
    trajectory: Trajectory, begin: FloatArray, end: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Step from ``begin`` until ``v >= Vt``; return the last step ``[lower, upper]`` and
    ``J(start, lower)``.

    ``dv/dt = (mu + R h k - v)/tau`` with ``k <= K``, the kernel's largest value from the
    current ``s`` on (:meth:`Trajectory.ceiling`), so from ``m = v - Vt < 0`` the margin
    stays below ``D - (D - m) exp(-elapsed/tau)``, ``D = mu - Vt + R max(h, 0) K``: it
    cannot reach 0 for ``tau ln(1 - m/D)``. Each iteration jumps that far (at least
    ``min(w/10, tau/50)``) and then checks a few more points that step apart, so only a
    crossing that grazes ``Vt`` between two such points can be missed, and only for
    ``h < 0``: for ``h >= 0`` ``v`` rises monotonically below ``mu``, so any bracket holds
    the one crossing. Infinite once the steps pass ``end`` with no crossing, NaN where
    none is found.
    """
    lower, upper = np.full(begin.shape, np.nan), np.full(begin.shape, np.nan)
    settled = trajectory.integral(begin)
    margin = trajectory.margin(begin, settled)
    lower[margin >= 0] = upper[margin >= 0] = begin[margin >= 0]
    below = margin < 0
    active, time, margin, end = np.flatnonzero(below), begin[below], margin[below], end[below]
    current = trajectory.take(below).anchored(time, settled[below])
    for _ in range(_MAX_STEPS):
        if not active.size:
            break
        columns = int(np.clip(_LOOKAHEAD_ELEMENTS // active.size, 1, _LOOKAHEAD_POINTS))
        shortest = np.minimum(current.width / 10, current.tau / 50)
        reach = (
            current.drive
            - current.v_threshold
            + current.resistance * np.maximum(current.height, 0.0) * current.ceiling(time)
        )
        jump = np.maximum(current.tau * np.log1p(-margin / reach), shortest)
        times = (time + jump)[:, None] + shortest[:, None] * np.arange(columns)
        integrals = current.integral(times)
        margins = current.margin(times, integrals)
        above = margins >= 0
        crossed = above.any(axis=1)
        rows, first = np.flatnonzero(crossed), above[crossed].argmax(axis=1)
        upper[active[crossed]] = times[rows, first]
        previous = np.maximum(first - 1, 0)
        lower[active[crossed]] = np.where(first > 0, times[rows, previous], time[crossed])
        settled[active[crossed]] = np.where(
            first > 0, integrals[rows, previous], current.settled[crossed]
        )
        beyond = ~crossed & (times[:, -1] >= end)
        lower[active[beyond]] = upper[active[beyond]] = np.inf
        going = ~crossed & ~beyond
        active, time, margin, end = active[going], times[going, -1], margins[going, -1], end[going]
        current = current.take(going).anchored(time, integrals[going, -1])
    return lower, upper, settled


def _refine(trajectory: Trajectory, lower: FloatArray, upper: FloatArray) -> FloatArray:
    """The crossing inside ``[lower, upper]`` (``v(lower) < Vt <= v(upper)``, ``J`` known
    at ``lower``): Newton's method, with bisection whenever it would leave the bracket, to
    :data:`_TIME_TOLERANCE`."""
    time = 0.5 * (lower + upper)
    for _ in range(_MAX_REFINEMENTS):
        margin = trajectory.margin(time)
        above = margin >= 0
        upper, lower = np.where(above, time, upper), np.where(above, lower, time)
        slope = trajectory.slope(time, margin)
        newton = time - np.divide(margin, slope, out=np.full_like(time, np.inf), where=slope > 0)
        inside = (newton >= lower) & (newton <= upper)
        following = np.where(inside, newton, 0.5 * (lower + upper))
        converged = np.abs(following - time) <= _TIME_TOLERANCE
        time = following
        if converged.all():
            break
    return time
