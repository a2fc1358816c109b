"""Pulse schedules: when each pulse starts and which neuron receives it.

The schedule is generated before the simulation, as the Brian maintainer advised in the
forum thread, rather than drawn inside a ``network_operation``. It depends on the seed
only, never on the kernel, height or width. How many pulses a schedule has
(:func:`schedule_length`) is known without drawing it, and without numpy, which this module
imports only to draw schedules: the Snakefile sizes the compiled model from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pulsesweep.model.neuron import tonic_period
from pulsesweep.model.neuron_model import LIF_MODEL
from pulsesweep.model.run import Run

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from pulsesweep.model.population import NeuronParameters

__all__ = [
    "PulseSchedule",
    "make_schedule",
    "measured_phase_scan_schedule",
    "needs_control_spikes",
    "periodic_schedule",
    "phase_scan_schedule",
    "schedule_length",
]


@dataclass(frozen=True)
class PulseSchedule:
    """Pulse onsets (s) and target neurons, sorted by onset."""

    times: NDArray[np.float64]
    neurons: NDArray[np.int64]

    def __post_init__(self) -> None:
        if self.times.shape != self.neurons.shape:
            raise ValueError("times and neurons must have the same length")

    def __len__(self) -> int:
        return len(self.times)

    def of_neuron(self, neuron: int) -> PulseSchedule:
        """The pulses into ``neuron`` alone, addressed to neuron 0 of a one-neuron group."""
        import numpy as np

        mask = self.neurons == neuron
        return PulseSchedule(times=self.times[mask], neurons=np.zeros(mask.sum(), np.int64))


def periodic_schedule(
    interval: float, duration: float, n_neurons: int, rng: np.random.Generator
) -> PulseSchedule:
    """Pulse ``k`` at ``k * interval`` for ``k >= 1`` while before ``duration``.

    Each pulse goes to a neuron drawn uniformly from ``rng``: the thread's "every 500 ms
    a randomly chosen neuron gets a pulse".
    """
    import numpy as np

    times = interval * np.arange(1, _periodic_count(interval, duration) + 1, dtype=np.float64)
    neurons = rng.integers(0, n_neurons, size=len(times)).astype(np.int64)
    return PulseSchedule(times=times, neurons=neurons)


def phase_scan_schedule(parameters: NeuronParameters, settle: float, dt: float) -> PulseSchedule:
    """One pulse per neuron: neuron ``j`` at phase ``j / n`` of its own control cycle.

    The control train of a tonic LIF neuron is known in closed form: its first spike at
    ``t_1 = tau ln((R I0 - v0) / (R I0 - Vt))``, then one every
    tonic period ``T`` (:func:`~pulsesweep.model.neuron.tonic_period`). Neuron ``j``'s
    pulse falls in its first cycle that starts at or after ``settle`` (s), at ``phase * T``
    after the cycle's spike, rounded to the time grid ``dt`` (so a pulse starts at a step boundary;
    the phase moves by at most ``dt / 2T``). Needs ``R I0 > Vt`` for every neuron.
    """
    import numpy as np

    n = parameters.n_neurons
    drive = parameters.resistance * parameters.bias_current
    tau = parameters.tau
    first = tau * np.log((drive - parameters.v_initial) / (drive - parameters.v_threshold))
    period = tonic_period(parameters.neuron())
    cycle_start = first + np.maximum(0.0, np.ceil((settle - first) / period)) * period
    onsets = np.round((cycle_start + np.arange(n) / n * period) / dt) * dt
    order = np.argsort(onsets, kind="stable")
    return PulseSchedule(times=onsets[order], neurons=np.arange(n, dtype=np.int64)[order])


def measured_phase_scan_schedule(
    control: Sequence[NDArray[np.float64]], settle: float, dt: float
) -> PulseSchedule:
    """:func:`phase_scan_schedule` from measured control trains, for a model whose
    period no closed form gives: neuron ``j``'s pulse falls at phase ``j / n`` of its
    first control cycle that starts at or after ``settle``, the cycle measured from its
    spike to the next, rounded to the time grid. A neuron that does not fire twice after
    ``settle`` gets its pulse at ``settle`` (its responses' phase is read from the
    control all the same).
    """
    import numpy as np

    n = len(control)
    onsets = np.full(n, round(settle / dt) * dt)
    for neuron, train in enumerate(control):
        after = np.asarray(train)[np.asarray(train) >= settle]
        if len(after) >= 2:
            period = after[1] - after[0]
            onsets[neuron] = np.round((after[0] + neuron / n * period) / dt) * dt
    order = np.argsort(onsets, kind="stable")
    return PulseSchedule(times=onsets[order], neurons=np.arange(n, dtype=np.int64)[order])


def needs_control_spikes(config: Mapping[str, Any]) -> bool:
    """Whether a seed's schedule is made from its measured control trains: the
    ``phase_scan`` schedule of a model of ``models:``."""
    model = config["network"].get("model", LIF_MODEL)
    return bool(config["pulses"]["schedule"] == "phase_scan" and model != LIF_MODEL)


def make_schedule(
    config: Mapping[str, Any],
    seed: int,
    control: Sequence[NDArray[np.float64]] | None = None,
) -> PulseSchedule:
    """The pulse schedule of one seed, as the config describes it; ``control`` holds its
    neurons' control trains where :func:`needs_control_spikes`."""
    import numpy as np

    from pulsesweep.model.population import draw_neuron_parameters, random_stream

    pulses = config["pulses"]
    duration = config["simulation"]["duration_s"]
    if needs_control_spikes(config):
        if control is None:
            raise ValueError("the phase_scan schedule of a model needs its control trains")
        return measured_phase_scan_schedule(
            control, pulses["settle_ms"] * 1e-3, Run.from_config(config).dt
        )
    if pulses["schedule"] == "phase_scan":
        return phase_scan_schedule(
            draw_neuron_parameters(config, seed),
            pulses["settle_ms"] * 1e-3,
            Run.from_config(config).dt,
        )
    if pulses["schedule"] == "periodic":
        return periodic_schedule(
            interval=pulses["interval_ms"] * 1e-3,
            duration=duration,
            n_neurons=config["network"]["n_neurons"],
            rng=random_stream(seed, "schedule"),
        )
    times = np.asarray(pulses["times_ms"], dtype=np.float64) * 1e-3
    neurons = np.asarray(pulses["neurons"], dtype=np.int64)
    order = np.argsort(times, kind="stable")
    return PulseSchedule(times=times[order], neurons=neurons[order])


def _periodic_count(interval: float, duration: float) -> int:
    """The pulses ``k * interval`` (``k >= 1``) before ``duration``."""
    count = math.ceil(duration / interval) - 1
    while count > 0 and interval * count >= duration:  # rounding at the end of the run
        count -= 1
    return count


def schedule_length(config: Mapping[str, Any]) -> int:
    """The number of pulses in every seed's schedule (:func:`make_schedule`), without
    drawing one: ``network.n_neurons`` for ``phase_scan``, the pulses before the end of
    the run for ``periodic``, the given times for ``explicit``."""
    pulses = config["pulses"]
    if pulses["schedule"] == "phase_scan":
        n_neurons: int = config["network"]["n_neurons"]
        return n_neurons
    if pulses["schedule"] == "periodic":
        duration = config["simulation"]["duration_s"]
        return _periodic_count(pulses["interval_ms"] * 1e-3, duration)
    return len(pulses["times_ms"])
