"""One grid point of a config's own neuron model, simulated the naive way: the baseline
of the AdEx sweep.

The model as a Brian2 user would write it from config/examples/adex.yaml: its equations,
threshold, reset, refractoriness and method as the YAML gives them, its parameters
evaluated with Brian2's units, the heterogeneous ones (C and gL for the AdEx) drawn per
neuron with numpy (relative SD ``network.heterogeneity``), the bias current
``network.bias_current_nA``; 100 neurons for 10 s at Brian2's default dt (0.1 ms) and
default code generation target, one Python process per point. The pulses are
benchmarks/naive_point.py's (benchmarks/naive_pulses.py): a SpikeGeneratorGroup and
Synapses change the model's input current, so the two naive loops differ only in their
neurons.

    python benchmarks/naive_model_point.py --kernel exponential --height-nA 10 --width-ms 5
"""

from __future__ import annotations

from pathlib import Path

import brian2 as b2
import numpy as np
import yaml
from naive_pulses import EQUATIONS, point_arguments, pulse_and_run, pulse_namespace

ADEX = Path(__file__).resolve().parents[1] / "config" / "examples" / "adex.yaml"


def quantity(text: str | float) -> b2.Quantity:
    """A value of the YAML, e.g. ``281*pF``, with Brian2's units."""
    return b2.Quantity(eval(str(text), {"__builtins__": {}}, vars(b2)))


def main() -> None:
    parser = point_arguments(__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ADEX, help="a config with models:")
    arguments = parser.parse_args()
    config = yaml.safe_load(arguments.config.read_text())
    network = config["network"]
    model = config["models"][network["model"]]
    n, f = 100, float(network["heterogeneity"])
    rng = np.random.default_rng(arguments.seed)
    parameters = {name: quantity(value) for name, value in model["parameters"].items()}
    namespace = pulse_namespace(arguments, network["bias_current_nA"] * b2.nA)
    namespace.update({k: v for k, v in parameters.items() if k not in model["heterogeneous"]})
    equations = (
        model["equations"]
        + EQUATIONS[arguments.kernel]
        + f"{model['current']} = i_offset : amp\n"
        + "".join(
            f"{name} : {b2.get_unit(parameters[name].dim)!r}\n" for name in model["heterogeneous"]
        )
    )
    neurons = b2.NeuronGroup(
        n,
        equations,
        threshold=model["threshold"],
        reset=model["reset"],
        refractory=model["refractory"],
        method=model["method"],
        namespace=namespace,
    )
    for name in model["heterogeneous"]:
        setattr(neurons, name, parameters[name] * (1 + f * rng.standard_normal(n)))
    for name, value in model["initial"].items():
        setattr(neurons, name, quantity(value))
    pulse_and_run(neurons, arguments.kernel, namespace, rng)


if __name__ == "__main__":
    main()
