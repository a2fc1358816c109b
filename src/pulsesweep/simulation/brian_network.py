"""The Brian2 network: uncoupled LIF neurons driven by a bias current plus pulses.

Many grid points are simulated in one ``NeuronGroup``: point ``p`` owns neurons
``p * n_neurons ... (p + 1) * n_neurons - 1``. The neurons are uncoupled, so a block
evolves exactly as it would alone, and a single point goes through the same code. All
per-point quantities (parameters, height, pulse train) are per-neuron constants, so
the generated code is the same for every kernel, height and width.

The pulses are a group of their own (:func:`pulse_group`), one per pulse of each pulse
train, connected to the neurons of their train by :func:`pulse_synapses`, whose summed
variable gives each neuron its ``pulse_drive`` every step.

The ``precise`` method (see :mod:`pulsesweep.model.equations`) is Brian2 code too: the group has
no differential equation; a ``run_regularly`` operation advances ``v`` exactly, and the
reset computes the off-grid spike time, which the spike monitor records after the reset.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import brian2 as b2
import numpy as np
from numpy.typing import ArrayLike, NDArray

from pulsesweep.logs import PROGRESS_LINE, PROGRESS_PERIOD, PROGRESS_VARIABLE, log_progress
from pulsesweep.model.equations import (
    MEMBRANE_EQUATIONS,
    PRECISE_EQUATIONS,
    PRECISE_RESET,
    PRECISE_UPDATE,
    PULSE_EQUATIONS,
    PULSE_UPDATE,
    NetworkInput,
)
from pulsesweep.model.kernels import KERNELS, Kernel
from pulsesweep.model.neuron_model import NeuronModel
from pulsesweep.model.run import Method, Target
from pulsesweep.model.stimulus import step_average, step_average_code
from pulsesweep.simulation.spikes import SpikeTrains

__all__ = [
    "PROGRESS_STEPS",
    "model_group",
    "neuron_group",
    "potential_variable",
    "progress_group",
    "pulse_group",
    "pulse_synapses",
    "run_network",
    "spike_monitor",
    "spike_times",
]

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def _codegen_target(target: Target) -> Iterator[None]:
    previous = b2.prefs.codegen.target
    b2.prefs.codegen.target = target
    try:
        yield
    finally:
        b2.prefs.codegen.target = previous


# Brian2's decorators are untyped: they turn the function into a `b2.Function`.
@b2.implementation(  # type: ignore[untyped-decorator]
    "cpp",
    """
inline double membrane_decay(double elapsed, double tau, double step_decay, double dt) {
    return elapsed >= dt ? step_decay : exp(-elapsed / tau);
}
""",
)
@b2.implementation(  # type: ignore[untyped-decorator]
    "cython",
    """
cdef double membrane_decay(double elapsed, double tau, double step_decay, double dt):
    if elapsed >= dt:
        return step_decay
    return exp(-elapsed / tau)
""",
)
# numpy: plain arrays, no unit checks per step.
@b2.implementation("numpy", discard_units=True)  # type: ignore[untyped-decorator]
@b2.check_units(elapsed=b2.second, tau=b2.second, step_decay=1, dt=b2.second, result=1)  # type: ignore[untyped-decorator]
def membrane_decay(
    elapsed: ArrayLike, tau: ArrayLike, step_decay: ArrayLike, dt: ArrayLike
) -> NDArray[np.float64]:
    """``exp(-elapsed / tau)``, which is ``step_decay`` for a whole step (no exp then)."""
    tau = np.asarray(tau, dtype=np.float64)
    elapsed = np.broadcast_to(np.asarray(elapsed, dtype=np.float64), tau.shape)
    decay = np.array(np.broadcast_to(step_decay, tau.shape), dtype=np.float64)
    partial = elapsed < np.asarray(dt, dtype=np.float64)
    decay[partial] = np.exp(-elapsed[partial] / tau[partial])
    return decay


def _step_average_function(table: Sequence[Kernel]) -> b2.Function:
    """:func:`pulsesweep.model.stimulus.step_average` of the kernels ``table`` for every
    target."""

    def numpy_step_average(
        kernel: Any, step: Any, dt: Any, onset: Any, width: Any, first: Any, last: Any
    ) -> NDArray[np.float64]:
        return step_average(kernel, step, dt, onset, width, first, last, table)

    function = b2.Function(
        numpy_step_average,
        arg_units=[1, 1, b2.second, b2.second, b2.second, 1, 1],
        arg_types=["integer", "integer", "float", "float", "float", "integer", "integer"],
        return_unit=1,
        return_type="float",
    )
    function.implementations.add_numpy_implementation(numpy_step_average, discard_units=True)
    function.implementations.add_implementation("cpp", step_average_code("cpp", table))
    function.implementations.add_implementation("cython", step_average_code("cython", table))
    return function


#: Every this many steps the compiled binary's progress group asks the clock.
PROGRESS_STEPS = 100
_PROGRESS_CODE = """
static double pulsesweep_progress(double t)
{
    typedef std::chrono::steady_clock wall;
    static const char *asked = std::getenv("%(variable)s");
    static const double period = asked ? std::atof(asked) : %(period)r;
    static const wall::time_point started = wall::now();
    static wall::time_point reported = started;
    const wall::time_point now = wall::now();
    if (std::chrono::duration<double>(now - reported).count() >= period) {
        reported = now;
        std::printf("%(line)s %%.17g %%.6f\\n", t,
                    std::chrono::duration<double>(now - started).count());
        std::fflush(stdout);
    }
    return 0.0;
}
"""


def progress_group(dt: float, name: str = "progress") -> b2.NeuronGroup:
    """A group of one that, in a compiled binary, prints
    :data:`~pulsesweep.logs.PROGRESS_LINE` with the
    simulated and the elapsed time once :data:`~pulsesweep.logs.PROGRESS_PERIOD` seconds
    have passed since the last (or the seconds in the environment variable
    :data:`~pulsesweep.logs.PROGRESS_VARIABLE`), asking the (monotonic) clock every
    :data:`PROGRESS_STEPS` steps: Brian2's own report would ask the costlier process
    clock for every object at every step. cpp_standalone only."""
    code = _PROGRESS_CODE % {
        "period": PROGRESS_PERIOD,
        "line": PROGRESS_LINE,
        "variable": PROGRESS_VARIABLE,
    }
    function = b2.Function(lambda t: 0.0, arg_units=[b2.second], return_unit=1, arg_types=["float"])
    function.implementations.add_implementation(
        "cpp",
        code,
        name="pulsesweep_progress",
        compiler_kwds={"headers": ["<chrono>", "<cstdio>", "<cstdlib>"]},
    )
    group = b2.NeuronGroup(
        1,
        "reported : 1",
        dt=PROGRESS_STEPS * dt * b2.second,
        namespace={"pulsesweep_progress": function},
        name=name,
    )
    group.run_regularly("reported = pulsesweep_progress(t)", when="end", name=f"{name}_report")
    return group


def model_group(
    model: NeuronModel, n_neurons: int, dt: float, name: str | None = None
) -> b2.NeuronGroup:
    """The group of a model of ``models:``: its equations with the network's inputs and
    every parameter as a variable (``NeuronModel.full_equations``), its threshold,
    reset, refractoriness and method."""
    return b2.NeuronGroup(
        n_neurons,
        model.full_equations(model.parameter_units()),
        threshold=model.threshold,
        reset=model.reset or None,
        refractory=model.refractory,
        method=model.method,
        dt=dt * b2.second,
        name=name or "neurongroup*",
        namespace={},
    )


def potential_variable(group: b2.NeuronGroup) -> str:
    """The membrane potential's name: ``v``, or the group's first differential equation's."""
    names = list(group.equations.diff_eq_names)
    return "v" if "v" in group.variables else sorted(names)[0]


def neuron_group(
    n_neurons: int,
    dt: float,
    method: Method,
    name: str | None = None,
    model: NeuronModel | None = None,
) -> b2.NeuronGroup:
    """The LIF group, or that of ``model`` (:func:`model_group`); ``name`` fixes its
    name, as a standalone build needs."""
    if model is not None:
        return model_group(model, n_neurons, dt, name)
    common = {"threshold": "v > v_threshold", "dt": dt * b2.second, "name": name or "neurongroup*"}
    if method != "precise":
        return b2.NeuronGroup(
            n_neurons,
            MEMBRANE_EQUATIONS,
            reset="v = v_reset",
            refractory="refractory_period",
            method=method,
            **common,
        )
    group = b2.NeuronGroup(
        n_neurons,
        PRECISE_EQUATIONS,
        reset=PRECISE_RESET,
        namespace={"membrane_decay": membrane_decay},
        **common,
    )
    group.run_regularly(PRECISE_UPDATE, when="groups", name=f"{group.name}_precise_update")
    return group


def pulse_group(
    n_pulses: int,
    dt: float,
    name: str | None = None,
    table: Sequence[Kernel] = tuple(KERNELS.values()),
) -> b2.NeuronGroup:
    """The pulses (:data:`PULSE_EQUATIONS`): each computes its step average at the start
    of every step, of its kernel in ``table``. ``n_pulses`` >= 1; padding pulses have
    train -1 and reach nobody."""
    pulses = b2.NeuronGroup(
        n_pulses,
        PULSE_EQUATIONS,
        dt=dt * b2.second,
        namespace={"step_average": _step_average_function(table)},
        dtype={"first_step": np.int64, "last_step": np.int64},
        name=name or "pulses*",
    )
    pulses.run_regularly(PULSE_UPDATE, when="start", name=f"{pulses.name}_step_average")
    return pulses


def pulse_synapses(
    pulses: b2.NeuronGroup, group: b2.NeuronGroup, name: str | None = None
) -> b2.Synapses:
    """Every pulse to every neuron of its train; each step, a neuron's ``pulse_drive`` is
    the sum of its pulses' step averages (before the neurons are updated).

    Connects by the groups' current ``train`` and ``pulse_train`` values: set them first
    (in a standalone build, apply the run arguments first).
    """
    synapses = b2.Synapses(
        pulses, group, "pulse_drive_post = drive_pre : 1 (summed)", name=name or "synapses*"
    )
    synapses.connect("train_pre == pulse_train_post")
    return synapses


def spike_monitor(
    group: b2.NeuronGroup, method: Method, name: str | None = None
) -> b2.SpikeMonitor:
    """A monitor of every spike; under ``precise`` it also records the exact spike time."""
    if method != "precise":
        return b2.SpikeMonitor(group, record=True, name=name or "spikemonitor*")
    return b2.SpikeMonitor(
        group,
        variables=["spike_time"],
        record=True,
        when="after_resets",
        name=name or "spikemonitor*",
    )


def spike_times(monitor: b2.SpikeMonitor, method: Method) -> b2.core.variables.Variable:
    """The monitor's variable that holds the spike times of ``method``."""
    return monitor.variables["spike_time" if method == "precise" else "t"]


def run_network(
    inputs: Mapping[str, NetworkInput],
    pulse_values: Mapping[str, NDArray[np.generic]],
    dt: float,
    n_steps: int,
    method: Method = "precise",
    target: Target = "numpy",
    record_potential: Sequence[int] = (),
    table: Sequence[Kernel] = tuple(KERNELS.values()),
    model: NeuronModel | None = None,
) -> SpikeTrains:
    """Simulate the network with one of Brian2's runtime targets and return all spikes.

    Parameters
    ----------
    inputs
        Per-neuron values by variable name (see :func:`pulsesweep.model.equations.network_inputs`).
    pulse_values
        Per-pulse values by variable name (see
        :meth:`pulsesweep.model.stimulus.PulseInputs.values`).
    dt, n_steps
        Time step (s) and number of steps.
    method
        ``precise`` or a Brian2 integration method.
    target
        Brian2 runtime code generation target (``numpy`` or ``cython``).
    record_potential
        Global indices of neurons whose membrane potential is recorded at every step.
    table
        The kernels the pulses' ``kernel`` indexes (:func:`pulsesweep.model.kernel_table`).
    model
        The model of ``models:`` (None: the LIF).
    """
    with _codegen_target(target):
        n_neurons = len(cast("NDArray[np.float64]", inputs["height"]))  # per neuron
        group = neuron_group(n_neurons, dt, method, model=model)
        group.set_states(dict(inputs), units=False)  # SI values; the equations hold units
        pulses = pulse_group(len(pulse_values["train"]), dt, table=table)
        pulses.set_states(dict(pulse_values), units=False)
        monitor = spike_monitor(group, method)
        network = b2.Network(group, pulses, pulse_synapses(pulses, group), monitor)
        if record_potential:
            variable = potential_variable(group)
            potential = b2.StateMonitor(group, variable, record=list(record_potential))
            network.add(potential)
        _run_logged(network, n_neurons, n_steps, dt, f"{target} target, {method} method")
        # Copies: from brian2 2.11 on, a monitor's arrays are views of memory that is
        # freed with the monitor (reading them after the network has gone reads garbage).
        traces = (
            np.array(getattr(potential, f"{variable}_"), copy=True) if record_potential else None
        )
        times = np.array(spike_times(monitor, method).get_value(), copy=True)
        neurons = np.array(monitor.i, copy=True)
        return SpikeTrains.from_times(times, neurons, dt, method, traces)


def _run_logged(network: Any, n_neurons: int, n_steps: int, dt: float, how: str) -> None:
    """Run ``network`` for ``n_steps`` steps of ``dt``, its progress logged every
    :data:`PROGRESS_PERIOD` s, and then its time (``how``: the target and method)."""
    started = time.perf_counter()
    network.run(
        n_steps * dt * b2.second,
        report=_ProgressReport(n_neurons * n_steps),
        report_period=PROGRESS_PERIOD * b2.second,
        namespace={},
    )  # the group holds its names
    elapsed = time.perf_counter() - started
    logger.info("simulated %d neurons x %d steps in %.1f s (%s)", n_neurons, n_steps, elapsed, how)


class _ProgressReport:
    """Brian2 progress callback that logs to the pulsesweep logger
    (:func:`~pulsesweep.logs.log_progress`)."""

    def __init__(self, neuron_steps: int) -> None:
        self.neuron_steps = neuron_steps

    def __call__(
        self, elapsed: b2.Quantity, completed: float, start: b2.Quantity, duration: b2.Quantity
    ) -> None:
        log_progress(logger, completed, float(duration), float(elapsed), self.neuron_steps)
