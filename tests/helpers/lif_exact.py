"""An independent oracle: the LIF neuron solved in closed form between spikes.

Nothing here imports pulsesweep or Brian2. The membrane equation
``tau dv/dt = R I(t) - v`` is linear, so with ``I(t) = I0 + h k((t - t0)/w)``,

    v(t) = R I0 + (v_a - R I0 - R h P(t_a)) exp(-(t - t_a)/tau) + R h P(t)

from any ``(t_a, v_a)`` with no spike in between, where ``P(t) = (1/tau) integral of
k((s - t0)/w) exp(-(t - s)/tau) ds`` over ``s <= t`` is the membrane's response to the
unit pulse. ``P`` has a closed form for each of the five kernels (:func:`pulse_response`).
Spike times are the roots of ``v(t) = Vt``, bracketed on a fine grid and refined with
Brent's method to 1e-13 s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy.optimize import brentq

KERNEL_NAMES = ("exponential", "inverse_time", "box", "gaussian", "alpha")


def pulse_response(kernel: str, x: float, width: float, tau: float) -> float:
    """``P`` at ``x = t - t0`` for a unit-height pulse of ``kernel`` and ``width``.

    Derived by hand from the convolution integral (see the module docstring).
    """
    w = width
    if kernel == "gaussian":  # centred on t0; complete the square, then erfc
        z = -(x - w * w / tau) / (w * math.sqrt(2))
        log_erfc = math.log(special.erfcx(z)) - z * z if z > 0 else math.log(special.erfc(z))
        return (
            (w / tau)
            * math.sqrt(math.pi / 2)
            * math.exp(-x / tau + w * w / (2 * tau * tau) + log_erfc)
        )
    if x <= 0:
        return 0.0
    if kernel == "box":
        if x < w:
            return -math.expm1(-x / tau)
        return -math.expm1(-w / tau) * math.exp(-(x - w) / tau)
    if kernel == "exponential":
        if math.isclose(w, tau, rel_tol=1e-9):
            return (x / tau) * math.exp(-x / tau)
        return w / (w - tau) * (math.exp(-x / w) - math.exp(-x / tau))
    if kernel == "alpha":  # s exp(1 - s)
        if math.isclose(w, tau, rel_tol=1e-9):
            return math.e * x * x / (2 * tau * w) * math.exp(-x / tau)
        a = 1 / w - 1 / tau
        return math.e / (tau * w * a * a) * (math.exp(-x / tau) - math.exp(-x / w) * (1 + a * x))
    if kernel == "inverse_time":  # 1/(1 + s): exponential integrals
        return (
            (w / tau)
            * math.exp(-(x + w) / tau)
            * (special.expi((w + x) / tau) - special.expi(w / tau))
        )
    raise ValueError(f"unknown kernel {kernel!r}")


#: The default neuron (tau 10 ms, Vt 15 mV, Vr 0, t_ref 2 ms, C 10 nF, I0 20 nA), as
#: ExactLIF's keyword arguments.
DEFAULT_NEURON = {
    "tau": 1e-2,
    "resistance": 1e6,
    "v_threshold": 15e-3,
    "v_reset": 0.0,
    "refractory": 2e-3,
    "bias": 20e-9,
}


@dataclass(frozen=True)
class ExactLIF:
    """One LIF neuron with bias current ``bias`` and at most one pulse.

    ``pulse`` is ``None`` or ``(kernel, t0, height, width)`` (SI units throughout; for
    the gaussian, ``t0`` is the peak).
    """

    tau: float
    resistance: float
    v_threshold: float
    v_reset: float
    refractory: float
    bias: float
    pulse: tuple[str, float, float, float] | None = None

    def _drive(self, t: float) -> float:
        """``R h P(t)``: the part of ``v`` that the pulse puts there."""
        if self.pulse is None:
            return 0.0
        kernel, onset, height, width = self.pulse
        return self.resistance * height * pulse_response(kernel, t - onset, width, self.tau)

    def potential(self, t: float, t_from: float, v_from: float) -> float:
        """``v(t)`` starting from ``v(t_from) = v_from``, with no spike in between."""
        rest = self.resistance * self.bias
        homogeneous = (v_from - rest - self._drive(t_from)) * math.exp(-(t - t_from) / self.tau)
        return rest + homogeneous + self._drive(t)

    def next_spike(self, t_from: float, v_from: float, t_end: float) -> float | None:
        """First time after ``t_from`` at which ``v`` reaches ``Vt``, or None before ``t_end``.

        ``v`` is sampled every ``tau / 2000`` (a chunk of ``2 tau`` at a time) to bracket
        the first crossing, which Brent's method then refines.
        """
        step, chunk = self.tau / 2000, 4000
        for start in np.arange(t_from, t_end, step * chunk):
            grid = start + step * np.arange(chunk + 1)
            grid = grid[grid < t_end]
            values = np.array([self.potential(t, t_from, v_from) for t in grid])
            above = np.flatnonzero(values > self.v_threshold)
            if above.size == 0:
                continue
            k = above[0]
            if k == 0:
                return float(grid[0])
            return brentq(
                lambda t: self.potential(t, t_from, v_from) - self.v_threshold,
                grid[k - 1],
                grid[k],
                xtol=1e-13,
                rtol=4 * np.finfo(float).eps,
            )
        return None

    def spike_train(self, v_initial: float, t_end: float) -> list[float]:
        """All spike times in ``[0, t_end)``, with reset and refractoriness."""
        spikes: list[float] = []
        t, v = 0.0, v_initial
        while (spike := self.next_spike(t, v, t_end)) is not None:
            spikes.append(spike)
            t, v = spike + self.refractory, self.v_reset
        return spikes


def lif_period(
    tau: float,
    resistance: float,
    bias: float,
    v_threshold: float,
    v_reset: float,
    refractory: float,
) -> float:
    """``T = t_ref + tau ln((R I0 - Vr)/(R I0 - Vt))``; infinite when ``R I0 <= Vt``."""
    drive = resistance * bias
    if drive <= v_threshold:
        return math.inf
    return refractory + tau * math.log((drive - v_reset) / (drive - v_threshold))


def first_spike(
    tau: float, resistance: float, bias: float, v_threshold: float, v_initial: float
) -> float:
    """``t_1 = tau ln((R I0 - v0)/(R I0 - Vt))``: the first spike from ``v(0) = v0``."""
    drive = resistance * bias
    return tau * math.log((drive - v_initial) / (drive - v_threshold))
