"""The Brian2 network: uncoupled LIF neurons driven by a bias current plus pulses.

Many grid points are simulated in one ``NeuronGroup``: point ``p`` owns neurons
``p * n_neurons ... (p + 1) * n_neurons - 1``. The neurons are uncoupled, so a block
evolves exactly as it would alone, and a single point goes through the same code. All
per-point quantities (parameters, height, pulse column) are per-neuron constants, so
the generated code is the same for every kernel, height and width.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import brian2 as b2
import numpy as np
from numpy.typing import NDArray

from pulsesweep.population import NeuronParameters
from pulsesweep.stimulus import PulseWaveforms

__all__ = ["MEMBRANE_EQUATIONS", "SpikeTrains", "run_network"]

logger = logging.getLogger(__name__)

Method = Literal["euler", "exponential_euler", "rk2", "rk4", "heun"]
Target = Literal["numpy", "cython"]

#: The forum thread's model, with the pulse current read from a table.
MEMBRANE_EQUATIONS = """
dv/dt = (resistance * current - v) / tau : volt (unless refractory)
current = bias_current + height * pulse_shape(t, pulse_column) : amp
tau : second (constant)
resistance : ohm (constant)
v_threshold : volt (constant)
v_reset : volt (constant)
refractory_period : second (constant)
bias_current : amp (constant)
height : amp (constant)
pulse_column : integer (constant)
"""


@dataclass(frozen=True)
class SpikeTrains:
    """All spikes of one run: time step and global neuron index, ordered by time.

    ``potential`` holds the membrane potential (V) of the neurons asked for, one row
    each, at every time step (empty if none were asked for).
    """

    steps: NDArray[np.int64]
    neurons: NDArray[np.int64]
    potential: NDArray[np.float64] = field(default_factory=lambda: np.empty((0, 0)))


@contextlib.contextmanager
def _codegen_target(target: Target) -> Iterator[None]:
    previous = b2.prefs.codegen.target
    b2.prefs.codegen.target = target
    try:
        yield
    finally:
        b2.prefs.codegen.target = previous


def _stack(blocks: Sequence[NeuronParameters], name: str) -> NDArray[np.float64]:
    return np.concatenate([getattr(block, name) for block in blocks])


def _repeat(blocks: Sequence[NeuronParameters], name: str) -> NDArray[np.float64]:
    return np.repeat([getattr(block, name) for block in blocks], blocks[0].n_neurons)


def run_network(
    blocks: Sequence[NeuronParameters],
    heights: Sequence[float],
    waveforms: PulseWaveforms,
    dt: float,
    n_steps: int,
    method: Method = "euler",
    target: Target = "numpy",
    record_potential: Sequence[int] = (),
) -> SpikeTrains:
    """Simulate one block of neurons per grid point and return all spikes.

    Parameters
    ----------
    blocks
        The neuron parameters of each point's block (all of one size).
    heights
        The pulse height of each point (A).
    waveforms
        The pulse table and each neuron's column (see :mod:`pulsesweep.stimulus`).
    dt, n_steps
        Time step (s) and number of steps.
    method
        Brian2 integration method.
    target
        Brian2 code generation target.
    record_potential
        Global indices of neurons whose membrane potential is recorded at every step.
    """
    n_neurons = blocks[0].n_neurons
    pulse_shape = b2.TimedArray(waveforms.table, dt=dt * b2.second)
    with _codegen_target(target):
        group = b2.NeuronGroup(
            n_neurons * len(blocks),
            MEMBRANE_EQUATIONS,
            threshold="v > v_threshold",
            reset="v = v_reset",
            refractory="refractory_period",
            method=method,
            dt=dt * b2.second,
            namespace={"pulse_shape": pulse_shape},
        )
        group.tau = _stack(blocks, "tau") * b2.second
        group.resistance = _stack(blocks, "resistance") * b2.ohm
        group.v_threshold = _stack(blocks, "v_threshold") * b2.volt
        group.v_reset = _stack(blocks, "v_reset") * b2.volt
        group.v = _stack(blocks, "v_initial") * b2.volt
        group.refractory_period = _repeat(blocks, "refractory_period") * b2.second
        group.bias_current = _repeat(blocks, "bias_current") * b2.amp
        group.height = np.repeat(np.asarray(heights, dtype=np.float64), n_neurons) * b2.amp
        group.pulse_column = waveforms.columns.ravel()
        monitor = b2.SpikeMonitor(group, record=True)
        network = b2.Network(group, monitor)
        if record_potential:
            potential = b2.StateMonitor(group, "v", record=list(record_potential))
            network.add(potential)
        started = time.perf_counter()
        network.run(
            n_steps * dt * b2.second,
            report=_ProgressReport(),
            report_period=30 * b2.second,
        )
        logger.info(
            "simulated %d neurons x %d steps in %.1f s (%s target, %s method)",
            len(group), n_steps, time.perf_counter() - started, target, method,
        )
        steps = np.round(np.asarray(monitor.t_) / dt).astype(np.int64)
        neurons = np.asarray(monitor.i, dtype=np.int64)
        traces = np.asarray(potential.v_) if record_potential else np.empty((0, 0))
    order = np.lexsort((neurons, steps))
    return SpikeTrains(steps=steps[order], neurons=neurons[order], potential=traces)


class _ProgressReport:
    """Brian2 progress callback that logs to the pulsesweep logger."""

    def __call__(self, elapsed, completed, start, duration) -> None:
        logger.info(
            "simulation %.0f%% done (%s of %s simulated, %.0f s wall time)",
            100 * completed, completed * duration, duration, float(elapsed),
        )
