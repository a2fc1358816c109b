"""The LIF neuron of the config in SI units, and its period of tonic firing.

``tau dv/dt = v_rest - v + R I``, threshold ``Vt``, reset ``Vr``, absolute refractory
period ``t_ref``, bias current ``I0``, ``R = tau / C``. Measured from rest (``v - v_rest``)
the equation is ``tau dv/dt = R I - v``: the model and the theory work in those terms,
and only what is read from and written to files is absolute. Everything that needs the configured
(mean) neuron or its tonic period takes it from here: the population's draws, the
schedules, the config's checks, the resource estimates and the theory.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "NEURON_PARAMETERS",
    "Neuron",
    "as_neuron",
    "capacitance",
    "mean_neuron",
    "neuron_arrays",
    "resting_potential",
    "tonic_period",
    "tonic_rate",
]


class Neuron(TypedDict):
    """LIF neurons' parameters in SI units: floats for one neuron, or arrays that broadcast
    together for many (every theory function takes its neurons this way).

    Keys
    ----
    tau
        Membrane time constant (s).
    resistance
        Membrane resistance (ohm), ``tau / C``.
    bias_current
        Bias current ``I0`` (A).
    v_threshold, v_reset
        Threshold and reset potentials (V).
    refractory_period
        Absolute refractory period (s).
    """

    tau: ArrayLike
    resistance: ArrayLike
    bias_current: ArrayLike
    v_threshold: ArrayLike
    v_reset: ArrayLike
    refractory_period: ArrayLike


#: The keys of :class:`Neuron`, in order.
NEURON_PARAMETERS = (
    "tau",
    "resistance",
    "bias_current",
    "v_threshold",
    "v_reset",
    "refractory_period",
)


def neuron_arrays(neuron: Neuron) -> list[NDArray[np.float64]]:
    """The parameters of ``neuron`` as float64 arrays broadcast to one shape, in the order of
    :data:`NEURON_PARAMETERS`."""
    import numpy as np

    values = _parameters(neuron)
    return list(np.broadcast_arrays(*(np.asarray(value, dtype=np.float64) for value in values)))


def _parameters(neuron: Neuron) -> tuple[ArrayLike, ...]:
    """The parameters of ``neuron`` in the order of :data:`NEURON_PARAMETERS`."""
    return (
        neuron["tau"],
        neuron["resistance"],
        neuron["bias_current"],
        neuron["v_threshold"],
        neuron["v_reset"],
        neuron["refractory_period"],
    )


def as_neuron(values: Sequence[ArrayLike]) -> Neuron:
    """The :class:`Neuron` of parameters given in the order of :data:`NEURON_PARAMETERS`."""
    tau, resistance, bias_current, v_threshold, v_reset, refractory_period = values
    return {
        "tau": tau,
        "resistance": resistance,
        "bias_current": bias_current,
        "v_threshold": v_threshold,
        "v_reset": v_reset,
        "refractory_period": refractory_period,
    }


def capacitance(network: Mapping[str, Any]) -> float:
    """The membrane capacitance ``C`` (F) of ``network.capacitance_nF``."""
    return float(network["capacitance_nF"]) * 1e-9


def resting_potential(network: Mapping[str, Any]) -> float:
    """The resting potential ``v_rest`` (V) of ``network.v_rest_mV``."""
    return float(network["v_rest_mV"]) * 1e-3


def mean_neuron(network: Mapping[str, Any]) -> Neuron:
    """The mean neuron of a config's ``network`` section, in SI units, its potentials
    measured from rest (``v - v_rest``, in which ``tau dv/dt = R I - v``): the model and
    the theory compute with these; files store absolute potentials."""
    tau, rest = network["tau_ms"] * 1e-3, network["v_rest_mV"]
    return {
        "tau": tau,
        "resistance": tau / capacitance(network),
        "bias_current": network["bias_current_nA"] * 1e-9,
        "v_threshold": (network["v_threshold_mV"] - rest) * 1e-3,
        "v_reset": (network["v_reset_mV"] - rest) * 1e-3,
        "refractory_period": network["refractory_ms"] * 1e-3,
    }


def tonic_period(neuron: Neuron) -> float | NDArray[np.float64]:
    """The period of tonic firing, ``T = t_ref + tau ln((R I0 - Vr)/(R I0 - Vt))``.

    Parameters
    ----------
    neuron
        The neurons (:class:`Neuron`); their parameters broadcast together.

    Returns
    -------
    float or numpy.ndarray
        ``T`` (s), infinite where ``R I0 <= Vt`` (the neuron never fires): a float when
        every parameter is a Python number (computed without numpy, as the Snakefile
        plans a sweep), otherwise an array (a numpy scalar for 0-d arrays).
    """
    values = _parameters(neuron)
    if all(isinstance(value, int | float) for value in values):
        tau, resistance, bias, threshold, reset, refractory = (float(v) for v in values)  # type: ignore[arg-type]
        drive = resistance * bias
        if not drive > threshold:
            return math.inf
        return refractory + tau * math.log((drive - reset) / (drive - threshold))
    import numpy as np

    taus, resistances, biases, thresholds, resets, refractories = neuron_arrays(neuron)
    drives = resistances * biases
    fires = drives > thresholds
    ratio = np.divide(drives - resets, drives - thresholds, out=np.ones_like(drives), where=fires)
    period: NDArray[np.float64] = np.where(fires, refractories + taus * np.log(ratio), np.inf)[()]
    return period


def tonic_rate(network: Mapping[str, Any]) -> float:
    """Firing rate (Hz) of the configured mean neuron on the bias current alone: ``1 / T``
    (:func:`tonic_period`), 0 when ``R I0 <= Vt`` (the neuron never fires)."""
    period = float(tonic_period(mean_neuron(network)))
    return 1.0 / period if period > 0 else math.inf
