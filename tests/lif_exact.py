"""An independent oracle: the LIF neuron solved in closed form between spikes.

Nothing here imports pulsesweep or Brian2. The membrane equation
``tau dv/dt = R I(t) - v`` is linear, so for the bias current plus one box or one
exponential pulse ``v(t)`` has a closed form on every interval between events; spike
times are the roots of ``v(t) = Vt`` of that closed form, bracketed on a fine grid and
refined with Brent's method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq


@dataclass(frozen=True)
class ExactLIF:
    """One LIF neuron with bias current ``bias`` and at most one pulse.

    ``pulse`` is ``None``, ``("box", t0, height, width)`` or
    ``("exponential", t0, height, width)`` (SI units throughout).
    """

    tau: float
    resistance: float
    v_threshold: float
    v_reset: float
    refractory: float
    bias: float
    pulse: tuple[str, float, float, float] | None = None

    def _free(self, t: float, t_from: float, v_from: float, current: float) -> float:
        target = self.resistance * current
        return target + (v_from - target) * math.exp(-(t - t_from) / self.tau)

    def potential(self, t: float, t_from: float, v_from: float) -> float:
        """``v(t)`` starting from ``v(t_from) = v_from``, with no spike in between."""
        if self.pulse is None:
            return self._free(t, t_from, v_from, self.bias)
        kind, onset, height, width = self.pulse
        if t <= onset:
            return self._free(t, t_from, v_from, self.bias)
        if t_from < onset:
            v_from, t_from = self._free(onset, t_from, v_from, self.bias), onset
        if kind == "box":
            end = onset + width
            if t <= end:
                return self._free(t, t_from, v_from, self.bias + height)
            if t_from < end:
                v_from = self._free(end, t_from, v_from, self.bias + height)
                t_from = end
            return self._free(t, t_from, v_from, self.bias)
        # exponential pulse: v = R I0 + B exp(-(t-t0)/w) + C exp(-(t-t0)/tau)
        b = self.resistance * height * width / (width - self.tau)
        rest = self.resistance * self.bias
        c = (v_from - rest - b * math.exp(-(t_from - onset) / width)) * math.exp(
            (t_from - onset) / self.tau
        )
        return rest + b * math.exp(-(t - onset) / width) + c * math.exp(-(t - onset) / self.tau)

    def next_spike(self, t_from: float, v_from: float, t_end: float) -> float | None:
        """First time after ``t_from`` at which ``v`` reaches ``Vt``, or None before ``t_end``."""
        grid = np.arange(t_from, t_end, self.tau / 2000)
        values = np.array([self.potential(t, t_from, v_from) for t in grid]) - self.v_threshold
        above = np.flatnonzero(values > 0)
        if above.size == 0:
            return None
        k = above[0]
        if k == 0:
            return t_from
        return brentq(
            lambda t: self.potential(t, t_from, v_from) - self.v_threshold,
            grid[k - 1], grid[k], xtol=1e-12,
        )

    def spike_train(self, v_initial: float, t_end: float) -> list[float]:
        """All spike times in ``[0, t_end)``, with reset and refractoriness."""
        spikes: list[float] = []
        t, v = 0.0, v_initial
        while (spike := self.next_spike(t, v, t_end)) is not None:
            spikes.append(spike)
            t, v = spike + self.refractory, self.v_reset
        return spikes


def lif_period(tau: float, resistance: float, bias: float, v_threshold: float,
               v_reset: float, refractory: float) -> float:
    """``T = t_ref + tau ln((R I0 - Vr)/(R I0 - Vt))``; infinite when ``R I0 <= Vt``."""
    drive = resistance * bias
    if drive <= v_threshold:
        return math.inf
    return refractory + tau * math.log((drive - v_reset) / (drive - v_threshold))
