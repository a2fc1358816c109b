"""The populations of heterogeneous neurons, the LIF's and a model's of ``models:``, and
the random streams behind them.

All randomness comes from numpy generators keyed by the seed and a named stream, so
that for one seed the neuron parameters, the initial potentials and the pulse schedule
are the same for every kernel, height and width (common random numbers), and a change
to one stream never shifts another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pulsesweep.errors import ConfigError
from pulsesweep.model.neuron import Neuron, capacitance, mean_neuron, resting_potential
from pulsesweep.model.neuron_model import (
    NeuronModel,
    neuron_model,
    parse_initial,
    unit_text,
)

__all__ = [
    "ModelPopulation",
    "NeuronParameters",
    "Population",
    "check_parameter_draws",
    "draw_model_population",
    "draw_neuron_parameters",
    "draw_population",
    "random_stream",
]

Stream = Literal["neuron_parameters", "initial_potential", "schedule"]
_STREAM_KEYS: dict[str, int] = {"neuron_parameters": 0, "initial_potential": 1, "schedule": 2}


def random_stream(seed: int, stream: Stream) -> np.random.Generator:
    """An independent numpy generator for one ``(seed, stream)`` pair."""
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(_STREAM_KEYS[stream],))
    return np.random.default_rng(sequence)


@dataclass(frozen=True)
class NeuronParameters:
    """Per-neuron parameters of one population, in SI units (s, V, ohm, A), the
    potentials measured from rest; ``v_rest`` (V) is the resting potential itself."""

    tau: NDArray[np.float64]
    v_threshold: NDArray[np.float64]
    v_reset: NDArray[np.float64]
    resistance: NDArray[np.float64]
    v_initial: NDArray[np.float64]
    bias_current: float
    refractory_period: float
    v_rest: float = 0.0

    def absolute(self, name: str) -> NDArray[np.float64]:
        """Parameter ``name`` as the files store it: a potential (``v_*``) absolute,
        ``v_rest`` added, anything else as it is."""
        values: NDArray[np.float64] = getattr(self, name)
        return values + self.v_rest if name.startswith("v_") else values

    @property
    def n_neurons(self) -> int:
        return len(self.tau)

    def neuron(self) -> Neuron:
        """The population's parameters as the theory takes them (:class:`Neuron`)."""
        return {
            "tau": self.tau,
            "resistance": self.resistance,
            "bias_current": self.bias_current,
            "v_threshold": self.v_threshold,
            "v_reset": self.v_reset,
            "refractory_period": self.refractory_period,
        }

    def select(self, neurons: slice | NDArray[np.integer]) -> NeuronParameters:
        """The population of only ``neurons`` (the neurons are uncoupled)."""
        return NeuronParameters(
            tau=self.tau[neurons],
            v_threshold=self.v_threshold[neurons],
            v_reset=self.v_reset[neurons],
            resistance=self.resistance[neurons],
            v_initial=self.v_initial[neurons],
            bias_current=self.bias_current,
            refractory_period=self.refractory_period,
            v_rest=self.v_rest,
        )


def _gaussian(
    rng: np.random.Generator, mean: ArrayLike, spread: float, size: int
) -> NDArray[np.float64]:
    """``size`` draws with mean ``mean`` and SD ``spread * |mean|`` (the forum's design)."""
    location = np.asarray(mean, dtype=np.float64)
    draws: NDArray[np.float64] = location + spread * np.abs(location) * rng.standard_normal(size)
    return draws


def draw_neuron_parameters(config: Mapping[str, Any], seed: int) -> NeuronParameters:
    """Draw the population of one seed.

    tau, Vt and Vr are Gaussian around the configured values with relative SD
    ``network.heterogeneity``; ``R = tau / C``. The initial potential is ``Vr``
    (``v_init: reset``) or uniform in ``[Vr, Vt)`` from its own stream (``uniform``).
    """
    network, mean = config["network"], mean_neuron(config["network"])
    n = network["n_neurons"]
    spread = network["heterogeneity"]
    rng = random_stream(seed, "neuron_parameters")
    tau = _gaussian(rng, mean["tau"], spread, n)
    v_threshold = _gaussian(rng, mean["v_threshold"], spread, n)
    v_reset = _gaussian(rng, mean["v_reset"], spread, n)
    if network["v_init"] == "uniform":
        fraction = random_stream(seed, "initial_potential").random(n)
        v_initial = v_reset + fraction * (v_threshold - v_reset)
    else:
        v_initial = v_reset.copy()
    return NeuronParameters(
        tau=tau,
        v_threshold=v_threshold,
        v_reset=v_reset,
        resistance=tau / capacitance(network),
        v_initial=v_initial,
        bias_current=float(np.asarray(mean["bias_current"])),
        refractory_period=float(np.asarray(mean["refractory_period"])),
        v_rest=resting_potential(network),
    )


def check_parameter_draws(config: Mapping[str, Any]) -> None:
    """Fail if any seed draws a neuron with ``tau <= 0`` or ``Vr >= Vt``, or, under the
    phase-scan schedule, a neuron that does not fire tonically (``R I0 <= Vt``).

    Raises
    ------
    pulsesweep.errors.ConfigError
        Naming ``network.heterogeneity`` (or ``pulses.schedule``), the seed and the
        offending neuron.
    """
    for seed in config["simulation"]["seeds"]:
        parameters = draw_neuron_parameters(config, seed)
        bad = np.flatnonzero((parameters.tau <= 0) | (parameters.v_reset >= parameters.v_threshold))
        silent = np.flatnonzero(
            parameters.resistance * parameters.bias_current <= parameters.v_threshold
        )
        if config["pulses"]["schedule"] == "phase_scan" and silent.size and not bad.size:
            drive = parameters.resistance[silent[0]] * parameters.bias_current
            raise ConfigError(
                "pulses.schedule",
                "phase_scan",
                f"periodic or explicit, unless every neuron fires tonically (seed {seed} "
                f"draws neuron {silent[0]} with R*I0 = {drive:.3g} V <= Vt - v_rest = "
                f"{parameters.v_threshold[silent[0]]:.3g} V)",
            )
        if bad.size:
            raise ConfigError(
                "network.heterogeneity",
                config["network"]["heterogeneity"],
                f"a spread small enough that every neuron has tau > 0 and Vr < Vt "
                f"(seed {seed} draws neuron {bad[0]} with tau = "
                f"{parameters.tau[bad[0]]:.3g} s, Vr = {parameters.absolute('v_reset')[bad[0]]:.3g}"
                f" V, Vt = {parameters.absolute('v_threshold')[bad[0]]:.3g} V)",
            )


@dataclass(frozen=True)
class ModelPopulation:
    """The neurons of one seed of a model of ``models:``, in SI units, by Brian2 name.

    Attributes
    ----------
    per_neuron
        Each heterogeneous parameter, one value per neuron.
    initial
        Each state variable with an initial value, one value per neuron.
    shared
        Every other parameter, one value for all neurons.
    units
        The unit of every name above, as the files write it (``"1"``: dimensionless).
    bias_current
        The bias current (A).
    n_neurons
        The number of neurons.
    """

    per_neuron: dict[str, NDArray[np.float64]]
    initial: dict[str, NDArray[np.float64]]
    shared: dict[str, float]
    units: dict[str, str]
    bias_current: float
    n_neurons: int

    def select(self, neurons: slice | NDArray[np.integer]) -> ModelPopulation:
        """The population of only ``neurons`` (the neurons are uncoupled)."""
        count = len(np.arange(self.n_neurons)[neurons])
        return ModelPopulation(
            {name: values[neurons] for name, values in self.per_neuron.items()},
            {name: values[neurons] for name, values in self.initial.items()},
            self.shared,
            self.units,
            self.bias_current,
            count,
        )


def draw_model_population(
    config: Mapping[str, Any], model: NeuronModel, seed: int
) -> ModelPopulation:
    """Draw the neurons of one seed: each heterogeneous parameter from a Gaussian around
    its value with relative SD ``network.heterogeneity`` (stream ``neuron_parameters``,
    in the order ``heterogeneous`` lists them), each ``uniform`` initial value uniformly
    in its range (stream ``initial_potential``, in name order).

    Raises
    ------
    pulsesweep.errors.ConfigError
        If a draw takes a heterogeneous parameter across zero (naming
        ``network.heterogeneity``), or a value does not parse (naming its key).
    """
    network = config["network"]
    n, spread = int(network["n_neurons"]), float(network["heterogeneity"])
    values = model.parameter_values()
    per_neuron: dict[str, NDArray[np.float64]] = {}
    rng = random_stream(seed, "neuron_parameters")
    for name in model.heterogeneous:
        mean = float(values[name])
        drawn = mean + spread * abs(mean) * rng.standard_normal(n)
        if np.any(np.sign(drawn) != np.sign(mean)):
            raise ConfigError(
                "network.heterogeneity",
                spread,
                f"a spread small enough that no neuron's {name} crosses zero (seed {seed} "
                f"draws {drawn[np.sign(drawn) != np.sign(mean)][0]:.3g} around {mean:.3g})",
            )
        per_neuron[name] = drawn
    units = {name: unit_text(value) for name, value in values.items()}
    uniform, initial = random_stream(seed, "initial_potential"), {}
    for name, text in model.initial:
        low, high = parse_initial(text, model.key(f"initial.{name}"))
        span = float(high) - float(low)
        initial[name] = float(low) + (span * uniform.random(n) if span else np.zeros(n))
        units[name] = unit_text(low)
    shared = {
        name: float(value) for name, value in values.items() if name not in model.heterogeneous
    }
    bias = float(network["bias_current_nA"]) * 1e-9
    return ModelPopulation(per_neuron, initial, shared, units, bias, n)


#: A seed's neurons: the LIF's parameters, or a model's of ``models:``.
Population = NeuronParameters | ModelPopulation


def draw_population(config: Mapping[str, Any], seed: int) -> Population:
    """The neurons of one seed, of the model ``network.model`` names."""
    model = neuron_model(config)
    if model is None:
        return draw_neuron_parameters(config, seed)
    return draw_model_population(config, model, seed)
