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
from collections.abc import Iterator, Mapping, Sequence

import brian2 as b2
import numpy as np
from numpy.typing import NDArray

from pulsesweep.model import MEMBRANE_EQUATIONS, Method, Target
from pulsesweep.recording import SpikeTrains

__all__ = ["neuron_group", "run_network"]

logger = logging.getLogger(__name__)

@contextlib.contextmanager
def _codegen_target(target: Target) -> Iterator[None]:
    previous = b2.prefs.codegen.target
    b2.prefs.codegen.target = target
    try:
        yield
    finally:
        b2.prefs.codegen.target = previous


def neuron_group(n_neurons: int, table: NDArray[np.float64], dt: float, method: Method,
                 name: str | None = None) -> tuple[b2.NeuronGroup, b2.TimedArray]:
    """The LIF group, reading its pulse current from ``table`` (a 2-D TimedArray).

    ``name`` fixes the names of the group (``name``) and of the table
    (``name_pulse_shape``), as a standalone build needs; otherwise Brian2 picks them.
    """
    pulse_shape = b2.TimedArray(table, dt=dt * b2.second,
                                name=f"{name}_pulse_shape" if name else "timedarray*")
    group = b2.NeuronGroup(
        n_neurons, MEMBRANE_EQUATIONS, threshold="v > v_threshold", reset="v = v_reset",
        refractory="refractory_period", method=method, dt=dt * b2.second,
        namespace={"pulse_shape": pulse_shape}, name=name or "neurongroup*",
    )
    return group, pulse_shape


def run_network(
    inputs: Mapping[str, NDArray],
    table: NDArray[np.float64],
    dt: float,
    n_steps: int,
    method: Method = "euler",
    target: Target = "numpy",
    record_potential: Sequence[int] = (),
) -> SpikeTrains:
    """Simulate the network with one of Brian2's runtime targets and return all spikes.

    Parameters
    ----------
    inputs
        Per-neuron values by variable name (see :func:`pulsesweep.model.network_inputs`).
    table
        The pulse table (see :mod:`pulsesweep.stimulus`).
    dt, n_steps
        Time step (s) and number of steps.
    method
        Brian2 integration method.
    target
        Brian2 runtime code generation target (``numpy`` or ``cython``).
    record_potential
        Global indices of neurons whose membrane potential is recorded at every step.
    """
    with _codegen_target(target):
        group, _ = neuron_group(len(inputs["tau"]), table, dt, method)
        group.set_states(dict(inputs), units=False)  # SI values; the equations hold units
        monitor = b2.SpikeMonitor(group, record=True)
        network = b2.Network(group, monitor)
        if record_potential:
            potential = b2.StateMonitor(group, "v", record=list(record_potential))
            network.add(potential)
        started = time.perf_counter()
        network.run(n_steps * dt * b2.second, report=_ProgressReport(),
                    report_period=30 * b2.second)
        logger.info(
            "simulated %d neurons x %d steps in %.1f s (%s target, %s method)",
            len(group), n_steps, time.perf_counter() - started, target, method,
        )
        traces = np.asarray(potential.v_) if record_potential else None
        return SpikeTrains.from_times(monitor.t_, monitor.i, dt, traces)


class _ProgressReport:
    """Brian2 progress callback that logs to the pulsesweep logger."""

    def __call__(self, elapsed, completed, start, duration) -> None:
        logger.info(
            "simulation %.0f%% done (%s of %s simulated, %.0f s wall time)",
            100 * completed, completed * duration, duration, float(elapsed),
        )
