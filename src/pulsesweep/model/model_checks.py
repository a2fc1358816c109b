"""The checks of a model of ``models:``, by Brian2's own parser, before any simulation.

Every problem is one :class:`~pulsesweep.errors.ConfigError` naming the model's key:
equations that do not parse, a name nobody defines, inconsistent units, an input current
the equations do not use, noise (``xi``, ``rand()``), a threshold that nothing resets, an
integration method that does not apply. The units and the method are checked as Brian2
checks them when a network is about to run: a one-neuron group of the model is prepared
(numpy target, nothing simulated), part by part, so that an error names its part.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import keyword
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulsesweep.errors import ConfigError, one_line
from pulsesweep.model.neuron_model import (
    FILE_NAMES,
    INPUT_NAMES,
    NeuronModel,
    neuron_model,
    parse_initial,
    parse_quantity,
    unit_text,
)

__all__ = ["check_neuron_model", "refractory_is_condition"]

#: Names every Brian2 neuron group knows besides its own variables.
_GROUP_NAMES = frozenset(
    {"t", "dt", "i", "N", "t_in_timesteps", "lastspike", "not_refractory", "True", "False"}
)
_NOISE = frozenset({"xi", "rand", "randn"})
_DETERMINISTIC = (
    "a deterministic model: no noise (xi) or random numbers (rand, randn); stochastic "
    "models are not supported yet"
)
#: The variable assigned by a statement of a reset, e.g. ``w += b``.
_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:[-+*/]?=)(?!=)")


def check_neuron_model(config: Mapping[str, Any]) -> None:
    """Check the model ``network.model`` names (nothing for the LIF).

    Raises
    ------
    pulsesweep.errors.ConfigError
        For the first problem, naming the model's key (e.g. ``models.adex.equations``).
    """
    model = neuron_model(config)
    if model is not None:
        _check(model)


@functools.cache
def _check(model: NeuronModel) -> None:
    import brian2 as b2

    try:
        equations = b2.Equations(model.equations)
    except Exception as error:  # EquationError, SyntaxError, ...
        allowed = f"equations in Brian2's syntax ({one_line(error)})"
        raise ConfigError(model.key("equations"), model.equations, allowed) from None
    if equations.stochastic_variables:
        raise ConfigError(model.key("equations"), model.equations, _DETERMINISTIC)
    _check_current(model, equations)
    _check_parameters(model, equations)
    _check_names(model, equations)
    _check_initial(model, equations)
    _check_resets(model)
    _check_with_brian(model, model.parameter_units())


def _check_current(model: NeuronModel, equations: Any) -> None:
    if model.current in equations.names:
        raise ConfigError(
            model.key("current"),
            model.current,
            "a name the equations use but do not define: the network defines the input "
            "current (bias plus pulses)",
        )
    if model.current not in equations.identifiers:
        used = ", ".join(sorted(equations.identifiers)) or "none"
        raise ConfigError(
            model.key("current"),
            model.current,
            f"the name of the input current (amp) in the equations (their other names: {used})",
        )


def _check_parameters(model: NeuronModel, equations: Any) -> None:
    initial = {f"{name}_initial" for name in equations.names}  # the files' initial values
    reserved = {*INPUT_NAMES, *FILE_NAMES, *initial, model.current, *_GROUP_NAMES}
    for name, text in model.parameters:
        key = model.key(f"parameters.{name}")
        if name in equations.names or name in reserved:
            defined = "the equations define it" if name in equations.names else "it is reserved"
            raise ConfigError(key, text, f"a parameter of another name ({defined})")
    model.parameter_values()  # each is a quantity
    names = [name for name, _ in model.parameters]
    for index, name in enumerate(model.heterogeneous):
        if name not in names:
            allowed = f"a name of models.{model.name}.parameters: {', '.join(names) or 'none'}"
            raise ConfigError(model.key(f"heterogeneous.{index}"), name, allowed)


def _identifiers(code: str) -> set[str]:
    from brian2.utils.stringtools import get_identifiers

    return {name for name in get_identifiers(code) if not keyword.iskeyword(name)}


@functools.cache
def _namespace() -> frozenset[str]:
    from brian2.core.namespace import DEFAULT_CONSTANTS, DEFAULT_FUNCTIONS, DEFAULT_UNITS

    return frozenset({*DEFAULT_UNITS, *DEFAULT_FUNCTIONS, *DEFAULT_CONSTANTS, *_GROUP_NAMES})


def _check_names(model: NeuronModel, equations: Any) -> None:
    """Every name is defined: by the equations, a parameter, the input or Brian2."""
    known = {
        *equations.names,
        *(name for name, _ in model.parameters),
        model.current,
        *INPUT_NAMES,
        *_namespace(),
    }
    parts = {
        "equations": equations.identifiers,
        "threshold": _identifiers(model.threshold),
        "reset": _identifiers(model.reset),
        "refractory": _identifiers(model.refractory),
    }
    for part, names in parts.items():
        noise = sorted(names & _NOISE)
        if noise:
            raise ConfigError(model.key(part), getattr(model, part), _DETERMINISTIC)
        unknown = sorted(names - known)
        if unknown:
            raise ConfigError(
                model.key(part),
                getattr(model, part),
                f"names the equations, models.{model.name}.parameters or Brian2 define "
                f"({', '.join(unknown)}: unknown; a parameter needs a value under parameters)",
            )


def _check_initial(model: NeuronModel, equations: Any) -> None:
    states = [name for name in equations.names if name not in equations.subexpr_names]
    for name, text in model.initial:
        key = model.key(f"initial.{name}")
        if name not in states:
            raise ConfigError(
                key, text, f"a value for a state variable of the equations: {', '.join(states)}"
            )
        low, _ = parse_initial(text, key)
        if low.dim != equations[name].dim:
            expected = unit_text(1.0 * equations[name].unit)
            raise ConfigError(key, text, f"a value in {expected}, the unit of {name}")


def refractory_is_condition(model: NeuronModel) -> bool:
    """Whether the model's ``refractory`` is a condition (not a duration)."""
    try:
        parse_quantity(model.refractory, model.key("refractory"))
    except ConfigError:
        return True
    return False


def _check_resets(model: NeuronModel) -> None:
    """A neuron above threshold must stop spiking: the reset changes a variable of the
    threshold, or refractoriness is a condition (as for a Hodgkin–Huxley neuron)."""
    import brian2 as b2

    if refractory_is_condition(model):
        return
    duration = parse_quantity(model.refractory, model.key("refractory"))
    if duration.dim != b2.second.dim or float(duration) < 0:
        raise ConfigError(
            model.key("refractory"),
            model.refractory,
            'a duration >= 0 (e.g. "2*ms") or a condition (e.g. "v > -40*mV")',
        )
    assigned = {
        match.group(1) for line in model.reset.splitlines() if (match := _ASSIGNED.match(line))
    }
    if not assigned & _identifiers(model.threshold):
        raise ConfigError(
            model.key("reset"),
            model.reset,
            f"statements that change a variable of the threshold ({model.threshold}), or a "
            "refractory condition (e.g. refractory: 'v > -40*mV'): otherwise the neuron "
            "spikes at every step while above threshold",
        )


@contextlib.contextmanager
def _quiet_numpy_target() -> Iterator[Any]:
    """Brian2 on its numpy target, its warnings (unused objects) silenced."""
    import brian2 as b2

    logger = logging.getLogger("brian2")
    level, target = logger.level, b2.prefs.codegen.target
    logger.setLevel(logging.ERROR)
    b2.prefs.codegen.target = "numpy"
    try:
        yield b2
    finally:
        b2.prefs.codegen.target = target
        logger.setLevel(level)


def _check_with_brian(model: NeuronModel, units: Mapping[str, str]) -> None:
    """Prepare a one-neuron group of the model, adding one part at a time, as Brian2
    prepares a run: units, the method and every name are checked as they will be."""
    stages: list[tuple[str, dict[str, Any]]] = [
        ("equations", {"method": model.method}),
        ("threshold", {"threshold": model.threshold}),
        ("reset", {"reset": model.reset}),
        ("refractory", {"refractory": model.refractory}),
    ]
    arguments: dict[str, Any] = {}
    failed = None
    with _quiet_numpy_target() as b2:
        for part, added in stages:
            arguments |= added
            problem = _prepare(b2, model.full_equations(units), arguments)
            if problem:
                failed = (part, *problem)
                break
        gc.collect()  # the groups that failed, while Brian2's warnings are silenced
    if failed:
        part, exception, message = failed
        if exception == "UnsupportedEquationsException":
            part = "method"  # the method does not apply to these equations
        what = "equations" if part == "equations" else f"a {part}"
        allowed = f"{what} that Brian2 accepts ({message})"
        raise ConfigError(model.key(part), getattr(model, part), allowed)


def _prepare(b2: Any, equations: str, arguments: Mapping[str, Any]) -> tuple[str, str] | None:
    """Prepare a one-neuron group for a run: None, or the error's type and one line."""
    try:
        group = b2.NeuronGroup(1, equations, namespace={}, **arguments)
        b2.Network(group).run(0 * b2.second, namespace={})
    except Exception as error:
        cause = error.__cause__ or error
        return type(cause).__name__, one_line(cause)
    return None
