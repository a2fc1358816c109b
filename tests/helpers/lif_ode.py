"""The LIF neuron with any pulse shape, by scipy's ODE solver: an oracle that shares no
code with pulsesweep (the kernels are plain numpy functions written here)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from lif_exact import ExactLIF
from scipy.integrate import solve_ivp

Shape = Callable[[float], float]

#: Kernels written directly, as a user would mean their expressions, with their start.
SHAPES: dict[str, tuple[Shape, float]] = {
    "double_exponential": (lambda s: np.exp(-s) - np.exp(-3 * s) if s >= 0 else 0.0, 0.0),
    "inverse_square": (lambda s: 1 / (1 + s) ** 2 if s >= 0 else 0.0, 0.0),
    "two_sided": (lambda s: np.exp(-abs(s)) if s >= -10 else 0.0, -10.0),
    "bump": (lambda s: np.sin(s) ** 2 * np.exp(-(s**3)) if s >= 0 else 0.0, 0.0),
}


@dataclass(frozen=True)
class OdeLIF(ExactLIF):
    """The neuron of :class:`lif_exact.ExactLIF` (its fields; its pulse unused),
    ``tau dv/dt = -v + R (I0 + h k((t - t0)/w))`` solved numerically for any ``k``."""

    def solve(
        self, shape: Shape, start: float, onset: float, height: float, width: float, end: float
    ) -> list[float]:
        """Every spike in ``[0, end)`` of the neuron from ``v(0) = Vr``, the pulse at ``onset``."""

        def slope(t: float, v: np.ndarray) -> np.ndarray:
            current = self.bias + height * shape((t - onset) / width)
            return (-v + self.resistance * current) / self.tau

        def crossing(t: float, v: np.ndarray) -> float:
            return float(v[0] - self.v_threshold)

        crossing.terminal, crossing.direction = True, 1  # type: ignore[attr-defined]
        kinks = sorted({onset + start * width, onset})
        spikes, t, v = [], 0.0, self.v_reset
        while t < end:
            edges = [t, *(k for k in kinks if t < k < end), end]
            fired = None
            for a, b in itertools.pairwise(edges):
                solution = solve_ivp(
                    slope, (a, b), [v], events=crossing, rtol=1e-11, atol=1e-14,
                    max_step=min(width, self.tau) / 20,
                )  # fmt: skip
                if solution.t_events[0].size:
                    fired = float(solution.t_events[0][0])
                    break
                v = float(solution.y[0, -1])
            if fired is None:
                break
            spikes.append(fired)
            t, v = fired + self.refractory, self.v_reset
        return spikes
