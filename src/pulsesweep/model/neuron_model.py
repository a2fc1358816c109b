"""Neuron models of the config's ``models:`` section: any deterministic Brian2 point neuron.

A model is its Brian2 equations, threshold, reset, refractoriness and integration method,
with named constants (``parameters``), some of them drawn per neuron
(``heterogeneous``), and initial values of its state variables (``initial``). The network
adds the model's input current, ``current = bias_current + height * pulse_drive``, so that
a model neuron is driven, paired with its control and measured exactly as the LIF is.

Every parameter is a variable of the group (shared by every neuron, or one value per
neuron if heterogeneous), never a constant of the generated code: a compiled build serves
every value of a model's parameters, and the job gives the values as it runs the build.

:class:`NeuronModel` is the definition, as text (the Snakefile plans a sweep from it
without Brian2); :func:`parse_quantity` and :func:`parse_initial` read its values with
Brian2's units (imported when first needed), as
:func:`pulsesweep.model.population.draw_model_population` draws a seed's neurons.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pulsesweep.errors import ConfigError

__all__ = [
    "FILE_NAMES",
    "INPUT_NAMES",
    "LIF_MODEL",
    "MODEL_COST_BOUND",
    "MODEL_PERIOD_BOUND_MS",
    "MODEL_RATE_BOUND_HZ",
    "NeuronModel",
    "lif_rate",
    "neuron_model",
    "parse_initial",
    "parse_quantity",
    "unit_text",
]

#: The name of the built-in LIF in ``network.model``.
LIF_MODEL = "lif"

#: What plans assume of a model of ``models:``, whose firing no closed form gives: memory
#: estimates, that it fires at most this fast (Hz); ``phase_scan``'s default settling
#: time and response window, that its period is at most this long (ms).
MODEL_RATE_BOUND_HZ = 200.0
MODEL_PERIOD_BOUND_MS = 200.0
#: And run-time estimates, that a neuron-step of it costs up to this many times the
#: LIF's (a Hodgkin–Huxley neuron's, with a dozen exponentials per step, costs about 30).
MODEL_COST_BOUND = 50.0

#: The variables the network adds to every model neuron (names a model may not use).
INPUT_NAMES = ("bias_current", "height", "pulse_drive", "pulse_train")
#: The names a model's simulation file gives its dimensions, grid, spikes and pulses,
#: which its parameters may not take (``FILE_DIMENSIONS`` and ``MODEL_FILE_VARIABLES`` of
#: :mod:`pulsesweep.simulation.file_format`, as a test checks).
FILE_NAMES = (
    "point",
    "neuron",
    "distinct_train",
    "spike",
    "pulse",
    "kernel",
    "height",
    "width",
    "seed",
    "train",
    "spike_count",
    "spike_time",
    "pulse_time",
    "pulse_neuron",
    "pulse_point",
    "dt",
    "duration",
    "bias_current",
)


@dataclass(frozen=True)
class NeuronModel:
    """A neuron model of the config's ``models:`` section, as text.

    Attributes
    ----------
    name
        Its name under ``models:``.
    equations, current, threshold, reset, refractory, method
        As the config gives them (see the configuration reference).
    parameters, initial
        ``(name, value)`` pairs, sorted by name, the values as given (text or number).
    heterogeneous
        The parameters drawn per neuron, in the config's order.
    """

    name: str
    equations: str
    current: str
    threshold: str
    reset: str
    refractory: str
    method: str
    parameters: tuple[tuple[str, str], ...]
    heterogeneous: tuple[str, ...]
    initial: tuple[tuple[str, str], ...]

    @classmethod
    def from_definition(cls, name: str, definition: Mapping[str, Any]) -> NeuronModel:
        """The model ``name`` as a resolved config defines it under ``models:``."""
        return cls(
            name=name,
            equations=str(definition["equations"]),
            current=str(definition["current"]),
            threshold=str(definition["threshold"]),
            reset=str(definition["reset"]),
            refractory=str(definition["refractory"]),
            method=str(definition["method"]),
            parameters=tuple((k, str(v)) for k, v in sorted(definition["parameters"].items())),
            heterogeneous=tuple(str(name) for name in definition["heterogeneous"]),
            initial=tuple((k, str(v)) for k, v in sorted(definition["initial"].items())),
        )

    def key(self, part: str) -> str:
        """The config key of ``part`` of this model, e.g. ``models.adex.threshold``."""
        return f"models.{self.name}.{part}"

    def parameter_values(self) -> dict[str, Quantity]:
        """Every parameter's value, a Brian2 quantity, by name (:func:`parse_quantity`)."""
        return {
            name: parse_quantity(text, self.key(f"parameters.{name}"))
            for name, text in self.parameters
        }

    def parameter_units(self) -> dict[str, str]:
        """Every parameter's unit as Brian2's equations write it (:func:`unit_text`)."""
        return {name: unit_text(value) for name, value in self.parameter_values().items()}

    def input_equations(self, units: Mapping[str, str]) -> str:
        """The lines the network adds to the model's equations: its input current, the
        pulses' inputs, and every parameter as a variable of the group (``units`` of
        each parameter, as Brian2 writes them: :func:`unit_text`)."""
        lines = [
            f"{self.current} = bias_current + height * pulse_drive : amp",
            "pulse_drive : 1",
            "bias_current : amp (constant, shared)",
            "height : amp (constant)",
            "pulse_train : integer (constant)",
        ]
        for name, _ in self.parameters:
            flags = "constant" if name in self.heterogeneous else "constant, shared"
            lines.append(f"{name} : {units[name]} ({flags})")
        return "\n".join(lines) + "\n"

    def full_equations(self, units: Mapping[str, str]) -> str:
        """The model's equations with :meth:`input_equations`: what the group integrates."""
        return self.equations.rstrip() + "\n" + self.input_equations(units)

    def to_json(self) -> dict[str, Any]:
        """The definition as the config gives it, with its name (a build's shape holds
        it as JSON)."""
        return {
            "name": self.name,
            "equations": self.equations,
            "current": self.current,
            "threshold": self.threshold,
            "reset": self.reset,
            "refractory": self.refractory,
            "method": self.method,
            "parameters": dict(self.parameters),
            "heterogeneous": list(self.heterogeneous),
            "initial": dict(self.initial),
        }

    @classmethod
    def from_json(cls, values: Mapping[str, Any]) -> NeuronModel:
        """The model of :meth:`to_json`."""
        return cls.from_definition(values["name"], values)


def neuron_model(config: Mapping[str, Any]) -> NeuronModel | None:
    """The model ``network.model`` names, or None for the built-in LIF.

    Raises
    ------
    pulsesweep.errors.ConfigError
        If ``network.model`` is neither ``lif`` nor an entry of ``models:``.
    """
    name = config["network"].get("model", LIF_MODEL)
    if name == LIF_MODEL:
        return None
    models = config.get("models") or {}
    if name not in models:
        allowed = ", ".join([LIF_MODEL, *models])
        raise ConfigError("network.model", name, f"{allowed} (lif, or an entry of models)")
    return NeuronModel.from_definition(name, models[name])


def lif_rate(config: Mapping[str, Any]) -> float | None:
    """The tonic rate (Hz) of the config's mean LIF neuron (0 if it does not fire), or
    None for a model of ``models:``, whose rate is known only by simulating it."""
    from pulsesweep.model.neuron import tonic_rate

    if config["network"].get("model", LIF_MODEL) != LIF_MODEL:
        return None
    return tonic_rate(config["network"])


# --- Quantities: numbers times Brian2's units, read without eval -----------------------

if TYPE_CHECKING:
    from brian2 import Quantity
else:
    Quantity = Any

_OPERATORS: dict[type, Any] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_QUANTITY_ALLOWED = "a number times Brian2 units, e.g. 281*pF or -70.6*mV"


@functools.cache
def _units() -> dict[str, Any]:
    from brian2.core.namespace import DEFAULT_UNITS

    return dict(DEFAULT_UNITS)


def _evaluate(node: ast.AST, key: str, text: str) -> Any:
    """The value of an arithmetic expression of numbers and units (no other names)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.Name) and node.id in _units():
        return _units()[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand, key, text)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _evaluate(node.left, key, text), _evaluate(node.right, key, text)
        try:
            return _OPERATORS[type(node.op)](left, right)
        except Exception as error:  # DimensionMismatchError, ZeroDivisionError, ...
            raise ConfigError(key, text, f"{_QUANTITY_ALLOWED} ({error})") from None
    if isinstance(node, ast.Name):
        raise ConfigError(key, text, f"{_QUANTITY_ALLOWED}; {node.id} is not a Brian2 unit")
    raise ConfigError(key, text, _QUANTITY_ALLOWED)


def parse_quantity(text: str | float, key: str) -> Quantity:
    """The Brian2 quantity ``text`` stands for (a plain number is dimensionless).

    Raises
    ------
    pulsesweep.errors.ConfigError
        Naming ``key``, if ``text`` is anything but arithmetic of numbers and units.
    """
    from brian2 import Quantity as BrianQuantity

    try:
        tree = ast.parse(str(text).strip(), mode="eval")
    except SyntaxError:
        raise ConfigError(key, text, _QUANTITY_ALLOWED) from None
    value = BrianQuantity(_evaluate(tree.body, key, str(text)))
    if not bool(abs(float(value)) < float("inf")):
        raise ConfigError(key, text, "a finite quantity")
    return value


_UNIFORM = re.compile(r"^\s*uniform\s*\((.*)\)\s*$", re.DOTALL)


def parse_initial(text: str | float, key: str) -> tuple[Quantity, Quantity]:
    """The range an initial value is drawn from: ``(low, high)``, equal for a fixed
    value, from ``uniform(LOW, HIGH)`` otherwise.

    Raises
    ------
    pulsesweep.errors.ConfigError
        Naming ``key``, for anything else, or bounds of different units or out of order.
    """
    match = _UNIFORM.match(str(text))
    if not match:
        value = parse_quantity(text, key)
        return value, value
    bounds = [part for part in match.group(1).split(",") if part.strip()]
    allowed = "uniform(LOW, HIGH) with LOW < HIGH, quantities of one unit"
    if len(bounds) != 2:
        raise ConfigError(key, text, allowed)
    low, high = (parse_quantity(bound, key) for bound in bounds)
    if low.dim != high.dim or not float(low) < float(high):
        raise ConfigError(key, text, allowed)
    return low, high


def unit_text(value: Quantity) -> str:
    """The unit of ``value`` as Brian2's equations write it (``1`` if dimensionless)."""
    from brian2 import get_unit

    return "1" if value.dim.is_dimensionless else repr(get_unit(value.dim))
