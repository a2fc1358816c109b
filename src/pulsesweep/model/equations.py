"""The model's equations and per-neuron inputs, without importing Brian2.

Both ways of running the model read this: :mod:`pulsesweep.simulation.brian_network`
(Brian2's runtime targets) and :mod:`pulsesweep.simulation.standalone` (a compiled binary,
run without Brian2).

Two formulations of the same neuron:

- for Brian2's integration methods (``euler``, ``exponential_euler``, ``rk2``, ``rk4``,
  ``heun``), the membrane equation :data:`MEMBRANE_EQUATIONS` with Brian2's own
  threshold, reset and refractoriness: spikes are found and recorded on the time grid;
- for ``precise``, exact integration with spikes off the grid (:data:`PRECISE_UPDATE`,
  :data:`PRECISE_RESET`). Within a step the current is constant (its step average), so
  the membrane has the exact solution ``v <- mu + (v - mu) exp(-elapsed / tau)`` with
  ``mu = R I``; a crossing of ``Vt`` inside the step is located in closed form, the spike
  is recorded at that time, and the refractory period runs from it (Morrison et al.
  2007; Hanuschkin et al. 2010).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pulsesweep.model.population import ModelPopulation, NeuronParameters, Population
from pulsesweep.model.run import Method
from pulsesweep.model.stimulus import PulseInputs

__all__ = [
    "GRID_METHODS",
    "MEMBRANE_EQUATIONS",
    "PRECISE_EQUATIONS",
    "PRECISE_RESET",
    "PRECISE_UPDATE",
    "PULSE_EQUATIONS",
    "PULSE_UPDATE",
    "NetworkInput",
    "network_inputs",
]


#: A value of :func:`network_inputs`: per-neuron values, or a scalar shared by all neurons.
NetworkInput = NDArray[Any] | np.float64

#: Brian2's integration methods: spikes are detected at the end of a step and recorded
#: at its start, on the time grid.
GRID_METHODS: tuple[Method, ...] = ("euler", "exponential_euler", "rk2", "rk4", "heun")

_INPUT_VARIABLES = """
current = bias_current + height * pulse_drive : amp
pulse_drive : 1
tau : second (constant)
resistance : ohm (constant)
v_threshold : volt (constant)
v_reset : volt (constant)
refractory_period : second (constant, shared)
bias_current : amp (constant, shared)
height : amp (constant)
pulse_train : integer (constant)
"""

#: The forum thread's model; ``pulse_drive`` is the sum of the neuron's pulses (the
#: step average of its unit-height pulse train, see :mod:`pulsesweep.model.stimulus`).
MEMBRANE_EQUATIONS = "dv/dt = (resistance * current - v) / tau : volt (unless refractory)\n" + (
    _INPUT_VARIABLES
)

#: The same neuron for the ``precise`` method: ``v`` is advanced by :data:`PRECISE_UPDATE`.
#: ``step_decay`` is ``exp(-dt / tau)``, given per neuron; ``refractory_end`` is when the
#: current refractory period ends (0 at the start: not refractory); ``spike_time`` is
#: the exact time of the last threshold crossing.
PRECISE_EQUATIONS = (
    """
v : volt
step_decay : 1 (constant)
refractory_end : second
spike_time : second
"""
    + _INPUT_VARIABLES
)

#: Every step, every neuron: exact relaxation towards ``mu = R I`` over the part of the
#: step ``[t, t + dt)`` after the refractory period (none of it, part or all).
#: ``membrane_decay`` is ``exp(-elapsed / tau)``, with the precomputed ``step_decay``
#: for a whole step, so the common case costs no exponential.
PRECISE_UPDATE = """
elapsed = clip(t + dt - refractory_end, 0*second, dt)
v = resistance * current + (v - resistance * current) * membrane_decay(elapsed, tau, step_decay, dt)
"""

#: For a neuron whose ``v`` ended the step above ``Vt``: the crossing time, from the
#: exact solution backwards from the end of the step, ``v(t + dt) - mu = (Vt - mu)
#: exp(-(t + dt - t*) / tau)``; then reset, and refractory until ``t* + t_ref``.
PRECISE_RESET = """
spike_time = t + dt - tau * log((resistance * current - v_threshold) / (resistance * current - v))
v = v_reset
refractory_end = spike_time + refractory_period
"""


#: The pulses: one per pulse and pulse train (see :class:`pulsesweep.model.stimulus.PulseInputs`);
#: ``drive`` is its step average, given every step to the neurons of its ``train``.
PULSE_EQUATIONS = """
drive : 1
train : integer (constant)
kernel : integer (constant)
onset : second (constant)
width : second (constant)
first_step : integer (constant)
last_step : integer (constant)
"""

#: At the start of every step, each pulse's average over the step ``[t, t + dt)``.
PULSE_UPDATE = (
    "drive = step_average(kernel, t_in_timesteps, dt, onset, width, first_step, last_step)"
)


def network_inputs(
    blocks: Sequence[Population],
    heights: Sequence[float],
    pulses: PulseInputs,
    method: Method,
    dt: float,
) -> dict[str, NetworkInput]:
    """Every value the network is given, in SI units, by variable name.

    Point ``p`` owns neurons ``p * n ... (p + 1) * n - 1``. For the LIF, ``v`` is the
    initial potential; the refractory period and the bias current are the same for
    every neuron (shared scalars, so the compiled loop computes with them once per
    step), and ``precise`` also takes each neuron's decay over one step,
    ``exp(-dt / tau)``. A model of ``models:`` takes its per-neuron values
    (heterogeneous parameters, initial values), its shared parameters and the bias.
    """
    inputs: dict[str, NetworkInput] = {
        "height": np.repeat(np.asarray(heights, dtype=np.float64), blocks[0].n_neurons),
        "pulse_train": pulses.trains.ravel().astype(np.int32),
    }
    if isinstance(blocks[0], ModelPopulation):
        models = [block for block in blocks if isinstance(block, ModelPopulation)]
        return inputs | _model_inputs(models)
    lifs = [block for block in blocks if isinstance(block, NeuronParameters)]
    return inputs | _lif_inputs(lifs, method, dt)


def _model_inputs(blocks: Sequence[ModelPopulation]) -> dict[str, NetworkInput]:
    """A model's values: per neuron, then shared by all (the same in every block)."""
    first = blocks[0]
    inputs: dict[str, NetworkInput] = {
        name: np.concatenate([block.per_neuron[name] for block in blocks])
        for name in first.per_neuron
    }
    for name in first.initial:
        inputs[name] = np.concatenate([block.initial[name] for block in blocks])
    shared = {name: np.float64(value) for name, value in first.shared.items()}
    return inputs | shared | {"bias_current": np.float64(first.bias_current)}


def _lif_inputs(
    blocks: Sequence[NeuronParameters], method: Method, dt: float
) -> dict[str, NetworkInput]:
    """The LIF's values."""
    refractory = {block.refractory_period for block in blocks}
    bias = {block.bias_current for block in blocks}
    if len(refractory) != 1 or len(bias) != 1:
        raise ValueError("all blocks of one network share refractory period and bias")

    def stack(name: str) -> NDArray[np.float64]:
        return np.concatenate([getattr(block, name) for block in blocks])

    inputs: dict[str, NetworkInput] = {
        "tau": stack("tau"),
        "resistance": stack("resistance"),
        "v_threshold": stack("v_threshold"),
        "v_reset": stack("v_reset"),
        "v": stack("v_initial"),
        "refractory_period": np.float64(refractory.pop()),
        "bias_current": np.float64(bias.pop()),
    }
    if method == "precise":
        inputs["step_decay"] = np.exp(-dt / inputs["tau"])
    return inputs
