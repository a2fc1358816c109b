"""One grid point simulated the way the forum thread does it: the naive baseline.

One Python process per point; the pulse is delivered by a SpikeGeneratorGroup and
Synapses (``on_pre``); Brian2's default code generation target. Two designs from the
thread: ``exponential`` (di/dt = (I0 - i)/w, a jump of h per pulse) and
``inverse_time`` (i = I0 + h/(1 + (t - last_injection)/w)).

    python benchmarks/naive_point.py --kernel exponential --height-nA 10 --width-ms 5
"""

from __future__ import annotations

import argparse

import brian2 as b2
import numpy as np

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", choices=list(EQUATIONS), default="exponential")
    parser.add_argument("--height-nA", type=float, default=10.0)
    parser.add_argument("--width-ms", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    n, f, duration = 100, 0.05, 10 * b2.second
    rng = np.random.default_rng(arguments.seed)
    namespace = {
        "base_i_offset": 20 * b2.nA,
        "tau_i": arguments.width_ms * b2.ms,
        "height": arguments.height_nA * b2.nA,
        "capacitance": 10 * b2.nF,
    }
    equations = (
        EQUATIONS[arguments.kernel]
        + """
        R : ohm
        tau : second
        Vr : volt
        Vt : volt
        dv/dt = (R * i_offset - v) / tau : volt (unless refractory)
        """
    )
    neurons = b2.NeuronGroup(
        n,
        equations,
        threshold="v > Vt",
        reset="v = Vr",
        refractory=2 * b2.ms,
        method="euler",
        namespace=namespace,
    )
    neurons.Vr = 0 * b2.mV
    neurons.Vt = (15 + 15 * f * rng.standard_normal(n)) * b2.mV
    neurons.tau = (10 + 10 * f * rng.standard_normal(n)) * b2.ms
    neurons.R = neurons.tau / namespace["capacitance"]
    neurons.v = rng.uniform(0, 15, n) * b2.mV
    if arguments.kernel == "exponential":
        neurons.i_offset = namespace["base_i_offset"]
    else:
        neurons.last_injection = -1e9 * b2.second
    n_pulses = 19
    trigger = b2.SpikeGeneratorGroup(
        n, rng.integers(n, size=n_pulses), 500 * b2.ms * (np.arange(n_pulses) + 1)
    )
    synapses = b2.Synapses(trigger, neurons, on_pre=ON_PRE[arguments.kernel], namespace=namespace)
    synapses.connect(j="i")
    monitor = b2.SpikeMonitor(neurons)
    b2.run(duration)
    print(f"{monitor.num_spikes} spikes")


if __name__ == "__main__":
    main()
