"""The oracle's pulsed LIF trains (``lif_exact.ExactLIF``) and what the theory predicts of
them, measured on those trains: the advance of the next spike and the phase shift. The
kernels' start and response onset are the package's definitions; every spike time is the
oracle's.
"""

from __future__ import annotations

import math

import numpy as np
from lif_exact import ExactLIF, lif_period

from pulsesweep.model.kernels import get_kernel
from pulsesweep.model.neuron import as_neuron

#: The default neuron: tau = 10 ms, C = 10 nF, R = tau / C = 1 MOhm, R I0 = 20 mV.
TAU, CAPACITANCE = 10e-3, 10e-9
RESISTANCE = TAU / CAPACITANCE
BIAS, V_THRESHOLD, V_RESET, REFRACTORY = 20e-9, 15e-3, 0.0, 2e-3
NANO = 1e-9


def default_neuron(
    tau: float = TAU, threshold: float = V_THRESHOLD, reset: float = V_RESET, bias: float = BIAS
) -> tuple[float, ...]:
    """The default neuron (:data:`NEURON`) with its own ``tau`` (``R = tau / C``),
    threshold, reset or bias: scalars, or arrays for a population."""
    return (tau, tau / CAPACITANCE, bias, threshold, reset, REFRACTORY)


#: The default neuron as a tuple, in :class:`lif_exact.ExactLIF`'s order.
NEURON = default_neuron()
LIF = as_neuron(NEURON)  # the same neuron as the theory takes it
PERIOD = lif_period(*NEURON)


def oracle_advance(
    kernel: str, height: float, width: float, phase: float, neuron: tuple[float, ...] = NEURON
) -> float:
    """From the oracle's train: the control's first spike at or after the window opens
    (``t0 + onset w``; after the spike at 0 when that is not before it) minus the pulsed
    train's, as :func:`responses.pulse_response` measures it."""
    period = lif_period(*neuron)
    t_open = phase * period + get_kernel(kernel).response_onset * width
    pulsed = oracle_train(kernel, height, width, phase, t_open + 10 * (period + width), neuron)
    control = period * np.arange(-1000, 1000)
    after = t_open if t_open < 0 else max(t_open, period / 2)
    return float(control[control >= after][0] - pulsed[pulsed >= t_open][0])


def oracle_train(
    kernel: str,
    height: float,
    width: float,
    phase: float,
    horizon: float,
    neuron: tuple[float, ...] = NEURON,
) -> np.ndarray:
    """The pulsed train before ``horizon`` from the oracle: from the last control spike
    (at a multiple of ``T``, 0 or earlier) before the pulse's current begins, each next
    spike from ``Vr`` at the end of the previous refractory period, the pulse acting."""
    tau, resistance, bias, threshold, reset, refractory = neuron
    period = lif_period(*neuron)
    exact = ExactLIF(
        tau,
        resistance,
        threshold,
        reset,
        refractory,
        bias,
        pulse=(kernel, phase * period, height, width),
    )
    begins = phase * period + get_kernel(kernel).start * width
    spikes = [period * min(0, math.floor(begins / period))]
    while (spike := exact.next_spike(spikes[-1] + refractory, reset, horizon)) is not None:
        spikes.append(spike)
    return np.array(spikes)


def oscillator_phase(spikes: np.ndarray, time: float, period: float) -> float:
    """Spikes before ``time`` plus the fraction of a period since the last (NaN if none)."""
    count = int(np.searchsorted(spikes, time, side="left"))
    return count + (time - spikes[count - 1]) / period if count else np.nan


def oracle_shift(
    kernel: str,
    height: float,
    width: float,
    phase: float,
    horizon: float,
    neuron: tuple[float, ...] = NEURON,
) -> float:
    """``[phi_p - phi_c](horizon) - [phi_p - phi_c](t_open)`` from the oracle's train and
    the control ``..., -T, 0, T, 2T, ...``."""
    period = lif_period(*neuron)
    pulsed = oracle_train(kernel, height, width, phase, horizon, neuron)
    control = period * np.arange(round(pulsed[0] / period), math.ceil(horizon / period) + 1)
    t_open = phase * period + get_kernel(kernel).response_onset * width
    shift = [
        oscillator_phase(pulsed, time, period) - oscillator_phase(control, time, period)
        for time in (t_open, horizon)
    ]
    return shift[1] - shift[0]
