"""The model's equations and per-neuron inputs, without importing Brian2.

Both ways of running the model read this: :mod:`pulsesweep.network` (Brian2's runtime
targets) and :mod:`pulsesweep.standalone` (a compiled binary, run without Brian2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from pulsesweep.population import NeuronParameters
from pulsesweep.stimulus import PulseWaveforms

__all__ = ["MEMBRANE_EQUATIONS", "Method", "Target", "network_inputs"]

Method = Literal["euler", "exponential_euler", "rk2", "rk4", "heun"]
Target = Literal["numpy", "cython", "cpp_standalone"]

#: The forum thread's model, with the pulse current read from a table.
MEMBRANE_EQUATIONS = """
dv/dt = (resistance * current - v) / tau : volt (unless refractory)
current = bias_current + height * pulse_shape(t, pulse_column) : amp
tau : second (constant)
resistance : ohm (constant)
v_threshold : volt (constant)
v_reset : volt (constant)
refractory_period : second (constant, shared)
bias_current : amp (constant, shared)
height : amp (constant)
pulse_column : integer (constant)
"""


def network_inputs(
    blocks: Sequence[NeuronParameters], heights: Sequence[float], waveforms: PulseWaveforms
) -> dict[str, NDArray]:
    """Every value the network is given, in SI units, by variable name.

    Point ``p`` owns neurons ``p * n ... (p + 1) * n - 1``; ``v`` is the initial
    potential. The refractory period and the bias current are the same for every
    neuron (shared scalars, so the compiled loop computes with them once per step).
    """
    refractory = {block.refractory_period for block in blocks}
    bias = {block.bias_current for block in blocks}
    if len(refractory) != 1 or len(bias) != 1:
        raise ValueError("all blocks of one network share refractory period and bias")
    n_neurons = blocks[0].n_neurons

    def stack(name: str) -> NDArray[np.float64]:
        return np.concatenate([getattr(block, name) for block in blocks])

    return {
        "tau": stack("tau"),
        "resistance": stack("resistance"),
        "v_threshold": stack("v_threshold"),
        "v_reset": stack("v_reset"),
        "v": stack("v_initial"),
        "refractory_period": np.float64(refractory.pop()),
        "bias_current": np.float64(bias.pop()),
        "height": np.repeat(np.asarray(heights, dtype=np.float64), n_neurons),
        "pulse_column": waveforms.columns.ravel().astype(np.int32),
    }
