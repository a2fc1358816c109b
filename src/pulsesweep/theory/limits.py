"""Limits of the LIF's response in closed form: small charges, slow pulses, and the
strength–duration law of a neuron at rest (rheobase, Lapicque, chronaxie).

The same model, units and broadcasting as :mod:`pulsesweep.theory.lif`, whose tonic period
and f–I curve these build on.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from pulsesweep.model.kernels import get_kernel
from pulsesweep.model.neuron import Neuron, as_neuron, neuron_arrays
from pulsesweep.theory.lif import FloatArray, firing_rate, tonic_period
from pulsesweep.theory.membrane import float_arrays, numpy_result

__all__ = [
    "chronaxie",
    "lapicque_threshold",
    "rheobase_current",
    "slow_pulse_extra_spikes",
    "small_charge_slope",
]

#: Values evaluated at once by the slow-pulse quadrature (bounds the memory).
_CHUNK_ELEMENTS = 1 << 19


def small_charge_slope(neuron: Neuron, capacitance: ArrayLike) -> FloatArray:
    """Mean phase advance per unit charge of a small pulse, over uniform phases.

    A charge ``q`` at time ``t`` in ``(t_ref, T)`` raises ``v`` by ``q/C``, which has
    decayed by ``exp(-(T - t)/tau)`` at ``T``, where ``v`` climbs at ``(mu - Vt)/tau``:
    the linear phase-response curve is ``q tau exp(-(T - t)/tau) / (C (mu - Vt) T)``
    (zero while refractory). Its average over ``t`` in ``[0, T)`` is
    ``(tau/T)^2 (Vt - Vr) / (C (mu - Vr)(mu - Vt))`` cycles per coulomb (returned).
    ``neuron`` as for :func:`~pulsesweep.model.neuron.tonic_period`, and the membrane
    capacitance (F).
    """
    tau, resistance, bias, threshold, reset, _, capacitance = float_arrays(
        *neuron_arrays(neuron), capacitance
    )
    period = tonic_period(neuron)
    drive = resistance * bias
    return numpy_result(
        (tau / period) ** 2
        * (threshold - reset)
        / (capacitance * (drive - reset) * (drive - threshold))
    )


def slow_pulse_extra_spikes(
    kernel: str,
    height: ArrayLike,
    width: ArrayLike,
    window: ArrayLike,
    neuron: Neuron,
    points: int = 10_000,
) -> FloatArray:
    """Extra spikes of a pulse much slower than the neuron (the quasi-static limit).

    The neuron follows its f–I curve ``f`` (:func:`firing_rate`) at every instant, so a
    pulse adds ``integral of [f(I0 + h k((t - t0)/w)) - f(I0)] dt`` spikes over
    ``[t0 + start w, t0 + window)`` (``start`` is the kernel's: -10 for the gaussian, 0
    otherwise), here by the midpoint rule on ``points`` nodes in ``s = (t - t0)/w``
    (exact for a box inside the window).

    Parameters
    ----------
    kernel, height, width, neuron
        As for :func:`~pulsesweep.theory.lif.spike_advance`; all but ``kernel`` broadcast,
        with ``window``.
    window
        End of the counting window after ``t0`` (s); may be infinite for kernels of
        finite extent (not ``inverse_time``).
    points
        Quadrature nodes per pulse.

    Returns
    -------
    numpy.ndarray
        The number of extra spikes (negative for fewer).
    """
    spec = get_kernel(kernel)
    arrays = float_arrays(height, width, window, *neuron_arrays(neuron))
    height, width, window, *parameters = (array.ravel() for array in arrays)
    s_stop = np.minimum(spec.stop, window / width)
    if not np.all(np.isfinite(s_stop)):
        raise ValueError(f"the {kernel!r} kernel never ends; give a finite window")
    extent = np.maximum(s_stop - spec.start, 0.0)
    nodes = (np.arange(points) + 0.5) / points
    extra = np.empty(height.size)
    rows = max(1, _CHUNK_ELEMENTS // points)
    for start in range(0, height.size, rows):
        part = slice(start, start + rows)
        membrane = as_neuron([array[part, None] for array in parameters])
        bias = parameters[2][part, None]
        current = bias + height[part, None] * spec.shape(spec.start + extent[part, None] * nodes)
        gain = firing_rate(current, membrane) - firing_rate(bias, membrane)
        extra[part] = width[part] * extent[part] * np.mean(gain, axis=1)
    return numpy_result(extra.reshape(arrays[0].shape))


def rheobase_current(
    resistance: ArrayLike, bias_current: ArrayLike, v_threshold: ArrayLike
) -> FloatArray:
    """``(Vt - R I0)/R`` (A): the extra steady current that makes a neuron at rest
    (``R I0 < Vt``) fire."""
    resistance, bias, threshold = float_arrays(resistance, bias_current, v_threshold)
    return numpy_result((threshold - resistance * bias) / resistance)


def lapicque_threshold(width: ArrayLike, tau: ArrayLike, rheobase: ArrayLike) -> FloatArray:
    """Lapicque's strength–duration curve: ``rheobase / (1 - exp(-width/tau))`` (A), the
    height of a box pulse of ``width`` that just brings a neuron from rest
    (``v = R I0 < Vt``) to threshold, at its end."""
    width, tau, rheobase = float_arrays(width, tau, rheobase)
    return numpy_result(rheobase / -np.expm1(-width / tau))


def chronaxie(tau: ArrayLike) -> FloatArray:
    """``tau ln 2`` (s): the width at which Lapicque's threshold is twice the rheobase."""
    return numpy_result(np.asarray(tau, dtype=np.float64) * math.log(2))
