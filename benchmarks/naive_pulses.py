"""The pulses of the naive loops (benchmarks/naive_point.py, the LIF, and
benchmarks/naive_model_point.py, a model of a config's ``models:``), as the forum thread
injects them: a SpikeGeneratorGroup fires, every 500 ms, at a random neuron, and Synapses
(``on_pre``) change its input current ``i_offset``. Two designs from the thread:
``exponential`` (di/dt = (I0 - i)/w, a jump of h per pulse) and ``inverse_time``
(i = I0 + h/(1 + (t - last_injection)/w)).

Both naive loops take a point's arguments from :func:`point_arguments`, their pulses'
equations and constants from :data:`EQUATIONS` and :func:`pulse_namespace`, and run with
:func:`pulse_and_run`, so that they differ only in their neurons.
"""

from __future__ import annotations

import argparse

import brian2 as b2
import numpy as np

#: The input current ``i_offset`` of each pulse design, to add to a neuron's equations.
EQUATIONS = {
    "exponential": """
        di_offset/dt = (base_i_offset - i_offset) / tau_i : amp
        """,
    "inverse_time": """
        i_offset = base_i_offset + height / (1 + (t - last_injection) / tau_i) : amp
        last_injection : second
        """,
}
ON_PRE = {"exponential": "i_offset_post += height", "inverse_time": "last_injection_post = t"}
#: Pulses of a run: one every 500 ms from 500 ms on, 19 in the 10 s.
N_PULSES, INTERVAL = 19, 500 * b2.ms
DURATION = 10 * b2.second


def point_arguments(description: str) -> argparse.ArgumentParser:
    """The parser of a grid point's arguments: kernel, height, width and seed."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--kernel", choices=list(EQUATIONS), default="exponential")
    parser.add_argument("--height-nA", type=float, default=10.0)
    parser.add_argument("--width-ms", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    return parser


def pulse_namespace(arguments: argparse.Namespace, bias: b2.Quantity) -> dict:
    """The pulses' constants: the bias current (``base_i_offset``), width and height."""
    return {
        "base_i_offset": bias,
        "tau_i": arguments.width_ms * b2.ms,
        "height": arguments.height_nA * b2.nA,
    }


def pulse_and_run(
    neurons: b2.NeuronGroup, kernel: str, namespace: dict, rng: np.random.Generator
) -> None:
    """Start the input current at the bias, pulse random neurons every 500 ms, run 10 s
    and print the number of spikes."""
    n = len(neurons)
    if kernel == "exponential":
        neurons.i_offset = namespace["base_i_offset"]
    else:
        neurons.last_injection = -1e9 * b2.second
    trigger = b2.SpikeGeneratorGroup(
        n, rng.integers(n, size=N_PULSES), INTERVAL * (np.arange(N_PULSES) + 1)
    )
    synapses = b2.Synapses(trigger, neurons, on_pre=ON_PRE[kernel], namespace=namespace)
    synapses.connect(j="i")
    monitor = b2.SpikeMonitor(neurons)
    b2.run(DURATION)  # collects the objects of this frame: neurons, trigger, synapses, monitor
    print(f"{monitor.num_spikes} spikes")
