"""Spike-time accuracy of each integration method against the exact solution: `make accuracy`.

The default mean neuron (tau 10 ms, Vt 15 mV, Vr 0, t_ref 2 ms, R I0 = 20 mV), started at
Vr, runs for 300 ms on the bias alone and with one pulse of each kernel (10 nA, 2 ms, at
50 ms). Every spike is compared with the exact solution of the same equations
(tests/helpers/lif_exact.py, closed forms that use neither pulsesweep nor Brian2). For each time
step and method the table gives the worst spike-time error over all six trains, and the
observed order of convergence between successive time steps, log(e1/e2) / log(dt1/dt2).

It prints the table and, with --update-docs, writes it into docs/accuracy.md, with the
date and the machine. The numpy target is used: every target gives the same spikes (to
1e-12 s).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "helpers"))

from docs_page import publish  # noqa: E402
from lif_exact import DEFAULT_NEURON, KERNEL_NAMES, ExactLIF  # noqa: E402

from pulsesweep.config.resolution import resolve_config  # noqa: E402
from pulsesweep.model.grid import GridPoint  # noqa: E402
from pulsesweep.simulation.job import simulate  # noqa: E402
from pulsesweep.simulation.reader import read_spike_trains  # noqa: E402

TIME_STEPS_MS = (0.2, 0.1, 0.05, 0.02, 0.01)
METHODS = ("euler", "exponential_euler", "precise")
DURATION, ONSET, HEIGHT, WIDTH = 0.3, 0.05, 10e-9, 2e-3
NEURON = DEFAULT_NEURON  # the default mean neuron, as ExactLIF's keyword arguments
POINTS = [GridPoint("box", 0.0, WIDTH, 0)] + [
    GridPoint(kernel, HEIGHT, WIDTH, 0) for kernel in KERNEL_NAMES
]


def exact_trains() -> list[np.ndarray]:
    """The exact spike trains of every point."""
    return [
        np.array(
            ExactLIF(
                **NEURON, pulse=None if p.height == 0 else (p.kernel, ONSET, p.height, p.width)
            ).spike_train(0.0, DURATION)
        )
        for p in POINTS
    ]


def worst_error(method: str, dt_ms: float, exact: list[np.ndarray]) -> float:
    """The largest spike-time error (s) over all points; spikes are paired in order."""
    config = resolve_config(
        {
            "network": {"n_neurons": 1, "heterogeneity": 0.0, "v_init": "reset"},
            "simulation": {
                "duration_s": DURATION,
                "dt_ms": dt_ms,
                "seeds": [0],
                "method": method,
                "target": "numpy",
            },
            "pulses": {"schedule": "explicit", "times_ms": [ONSET * 1e3], "neurons": [0]},
            "sweep": {
                "kernels": list(KERNEL_NAMES),
                "heights_nA": [0, HEIGHT * 1e9],
                "widths_ms": [WIDTH * 1e3],
            },
            "analysis": {"window_ms": 100.0},
        }
    )
    dataset = simulate(config, POINTS)
    worst = 0.0
    for index, expected in enumerate(exact):
        actual = read_spike_trains(dataset, index, 0)  # the point's one neuron
        count = min(len(actual), len(expected))
        worst = max(worst, float(np.max(np.abs(actual[:count] - expected[:count]))))
        if len(actual) != len(expected):  # a spike lost or gained at the end of the run
            worst = max(worst, abs(DURATION - (actual if len(actual) > count else expected)[count]))
    return worst


def _format(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.3g} µs"
    return f"{seconds * 1e9:.3g} ns"


def table(errors: dict[str, list[float]]) -> str:
    header = "| dt (ms) | " + " | ".join(f"`{m}` | order" for m in METHODS) + " |"
    rows = [header, "|---|" + "---|---|" * len(METHODS)]
    for row, dt in enumerate(TIME_STEPS_MS):
        cells = [f"{dt:g}"]
        for method in METHODS:
            error = errors[method][row]
            order = ""
            if row:
                previous = errors[method][row - 1]
                order = f"{math.log(previous / error) / math.log(TIME_STEPS_MS[row - 1] / dt):.2f}"
            cells += [_format(error), order]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="write the table into docs/accuracy.md",
    )
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    exact = exact_trains()
    errors: dict[str, list[float]] = {method: [] for method in METHODS}
    for method in METHODS:
        for dt in TIME_STEPS_MS:
            errors[method].append(worst_error(method, dt, exact))
            print(f"{method} dt = {dt} ms: {_format(errors[method][-1])}", flush=True)
    publish("accuracy", "make accuracy", table(errors), arguments.update_docs)


if __name__ == "__main__":
    main()
