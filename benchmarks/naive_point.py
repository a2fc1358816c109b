"""One grid point simulated the way the forum thread does it: the naive baseline.

One Python process per point; the pulse is delivered by a SpikeGeneratorGroup and
Synapses (``on_pre``); Brian2's default code generation target. Two designs from the
thread: ``exponential`` (di/dt = (I0 - i)/w, a jump of h per pulse) and
``inverse_time`` (i = I0 + h/(1 + (t - last_injection)/w)); both in
benchmarks/naive_pulses.py, which benchmarks/naive_model_point.py shares.

    python benchmarks/naive_point.py --kernel exponential --height-nA 10 --width-ms 5
"""

from __future__ import annotations

import brian2 as b2
import numpy as np
from naive_pulses import EQUATIONS, point_arguments, pulse_and_run, pulse_namespace


def main() -> None:
    arguments = point_arguments(__doc__.splitlines()[0]).parse_args()
    n, f = 100, 0.05
    rng = np.random.default_rng(arguments.seed)
    namespace = pulse_namespace(arguments, 20 * b2.nA)
    namespace["capacitance"] = 10 * b2.nF
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
    pulse_and_run(neurons, arguments.kernel, namespace, rng)


if __name__ == "__main__":
    main()
