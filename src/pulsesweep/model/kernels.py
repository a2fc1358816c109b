"""Pulse kernels: the time course of an injected current pulse.

A pulse of height ``h`` and width ``w`` with onset ``t0`` adds the current
``h * k((t - t0) / w)`` to a neuron's bias current. Each kernel is described by its
shape ``k(s)`` and by its antiderivative ``K(s) = integral of k from -inf to s``, which
gives the charge a pulse delivers over any interval exactly. This module holds each
kernel's definition without numpy (the Snakefile reads the names when it plans a sweep);
``k`` and ``K`` vectorised with numpy are in :mod:`pulsesweep.model.kernel_functions`.
Users define their own kernels in the config (``kernels:``, :func:`custom_kernels`): an
expression ``k(s)`` in Brian2's syntax, parsed here without ``eval``
(:func:`shape_problem` checks it with the standard library alone, at the plan) and
integrated by :mod:`pulsesweep.model.kernel_expressions` (sympy): exactly where sympy
finds an antiderivative, by Gauss–Legendre quadrature of every step otherwise. A built-in
kernel is the same kind of entry with its closed form given: it carries its expression
too, and the tests check that the expression path gives the built-in's values.
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike, NDArray

    FloatArray = NDArray[np.float64]

__all__ = [
    "FUNCTIONS_ALLOWED",
    "KERNELS",
    "Kernel",
    "custom_kernels",
    "get_kernel",
    "kernel_names",
    "kernel_table",
    "shape_problem",
]

#: The functions a kernel's expression may call (Brian2's names), and its constants.
FUNCTIONS_ALLOWED = (
    "exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh",
    "abs", "erf", "erfc",
)  # fmt: skip
CONSTANTS_ALLOWED = ("pi", "e")
_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


@dataclass(frozen=True)
class Kernel:
    """A pulse shape ``k(s)`` in dimensionless time ``s = (t - t0) / w``.

    Parameters
    ----------
    name
        Identifier used in configs, file names and netCDF coordinates.
    formula
        Human-readable definition, used in documentation and figure captions.
    total_integral
        ``K(+inf)``, or ``None`` if the integral diverges (then the charge is only
        defined over a finite window).
    code
        ``K(s)`` as an expression of ``s`` in C, which is also Cython: what the compiled
        simulation evaluates (see :mod:`pulsesweep.model.stimulus`). The same operations in the
        same order as ``antiderivative``; a causal kernel gets ``s >= 0``. ``None`` for a
        kernel defined by its expression alone: its code is derived from it.
    start, stop
        The range of ``s`` outside which ``k`` is zero or below 1e-16 of its integral
        (``0`` to ``1`` for the box; the gaussian starts 10 SD before its peak). The
        pulse current is computed over this range only; ``start == 0`` makes the kernel
        causal.
    response_onset
        Where the pulse is taken to start when its response is measured (in ``s``): the
        response window opens there. 0 for causal kernels; -3 for the gaussian, which
        delivers 99.87 % of its charge after it.
    expression
        ``k(s)`` in Brian2's expression syntax (where it is not zero): a built-in's closed
        form is an optimisation of this expression; a custom kernel is this alone.
    """

    name: str
    formula: str
    total_integral: float | None
    code: str | None
    start: float = 0.0
    stop: float = math.inf
    response_onset: float = 0.0
    expression: str = ""

    @property
    def builtin(self) -> bool:
        """Whether the kernel's ``k``, ``K`` and code are given in closed form."""
        return self.code is not None

    @functools.cached_property
    def _expression(self) -> Any:
        from pulsesweep.model.kernel_expressions import ExpressionKernel

        return ExpressionKernel.of(self.expression, self.start, self.stop)

    @property
    def shape(self) -> Callable[[FloatArray], FloatArray]:
        """``k(s)``, vectorised over ``s`` (numpy)."""
        if not self.builtin:
            return self._expression.shape  # type: ignore[no-any-return]
        from pulsesweep.model.kernel_functions import FUNCTIONS

        return FUNCTIONS[self.name][0]

    @property
    def antiderivative(self) -> Callable[[FloatArray], FloatArray]:
        """``K(s)``, the integral of ``k`` from ``-inf`` to ``s``; finite for every ``s``."""
        if not self.builtin:
            return self._expression.antiderivative  # type: ignore[no-any-return]
        from pulsesweep.model.kernel_functions import FUNCTIONS

        return FUNCTIONS[self.name][1]

    def integral(self, s_start: ArrayLike, s_stop: ArrayLike) -> FloatArray:
        """Integral of ``k`` over ``[s_start, s_stop]`` (dimensionless): the difference
        of ``K``, or Gauss–Legendre quadrature for an expression without antiderivative."""
        import numpy as np

        start = np.asarray(s_start, dtype=np.float64)
        stop = np.asarray(s_stop, dtype=np.float64)
        if not self.builtin:
            return self._expression.integral(start, stop)  # type: ignore[no-any-return]
        return self.antiderivative(stop) - self.antiderivative(start)

    @property
    def exact(self) -> bool:
        """Whether its integrals are exact (a closed form or sympy's antiderivative), not
        Gauss–Legendre quadrature."""
        return self.builtin or bool(self._expression.exact)

    @property
    def effective_stop(self) -> float:
        """Where the pulse current is computed up to (in ``s``): ``stop``, or for a custom
        kernel without one, where less than 1e-16 of its charge remains."""
        if self.builtin or math.isfinite(self.stop):
            return self.stop
        return self._expression.effective_stop  # type: ignore[no-any-return]

    @property
    def total(self) -> float | None:
        """``K(+inf)``: the given total of a built-in, the computed one of a custom kernel
        (None where it diverges)."""
        if self.builtin:
            return self.total_integral
        return self._expression.total  # type: ignore[no-any-return]

    def charge(self, height: float, width: float, window: float | None = None) -> float:
        """Charge of one pulse, ``h * w * integral of k``.

        Parameters
        ----------
        height
            Pulse height (A).
        width
            Pulse width (s).
        window
            If given, only the charge delivered before ``t0 + window`` counts (s). Needed
            for kernels whose total charge diverges (``inverse_time``).

        Returns
        -------
        float
            The charge in coulomb.
        """
        if window is None:
            total = self.total
            if total is None:
                raise ValueError(
                    f"the charge of the {self.name!r} kernel diverges; give a finite window"
                )
            return height * width * total
        if window < 0:
            raise ValueError(f"window must be >= 0, got {window}")
        if not self.builtin:
            return float(height * width * self.integral(self.start, window / width))
        import numpy as np

        end = np.asarray(window / width, dtype=np.float64)
        return float(height * width * self.antiderivative(end))

    def window_charge(self, height: float, width: float, window: float) -> float:
        """Charge delivered in the response window, ``window`` (s) from the pulse's start
        (``t0 + response_onset * w``): the charge behind every response metric."""
        start = self.response_onset
        return float(height * width * self.integral(start, start + window / width))


_SQRT_HALF_PI = math.sqrt(math.pi / 2)


KERNELS: dict[str, Kernel] = {
    kernel.name: kernel
    for kernel in (
        Kernel(
            name="exponential",
            expression="exp(-s)",
            formula="exp(-s) for s >= 0",
            total_integral=1.0,
            code="-expm1(-s)",
            stop=40.0,
        ),
        Kernel(
            name="inverse_time",
            expression="1/(1 + s)",
            formula="1/(1+s) for s >= 0",
            total_integral=None,
            code="log1p(s)",
        ),
        Kernel(
            name="box",
            expression="1",
            formula="1 for 0 <= s < 1",
            total_integral=1.0,
            code="fmin(s, 1.0)",
            stop=1.0,
        ),
        Kernel(
            name="gaussian",
            expression="exp(-s**2/2)",
            formula="exp(-s^2/2), centred on the onset",
            total_integral=math.sqrt(2 * math.pi),
            code=f"{_SQRT_HALF_PI!r} * erfc(-s / {math.sqrt(2)!r})",
            start=-10.0,
            stop=10.0,
            response_onset=-3.0,
        ),
        Kernel(
            name="alpha",
            expression="s*exp(1 - s)",
            formula="s*exp(1-s) for s >= 0, peak 1 at s = 1",
            total_integral=math.e,
            code=f"{math.e!r} * -expm1(-s) - {math.e!r} * s * exp(-s)",
            stop=45.0,
        ),
    )
}


#: Custom kernels of the configs resolved in this process, by name (the last definition of
#: a name wins): what :func:`get_kernel` finds beside the built-ins.
_CUSTOM: dict[str, Kernel] = {}


def shape_problem(expression: str) -> str | None:
    """What is wrong with a kernel's expression ``k(s)``, or None; the standard library
    alone (the plan checks it without sympy): Brian2's syntax, the variable ``s``, the
    constants ``pi`` and ``e``, numbers, ``+ - * / **`` and :data:`FUNCTIONS_ALLOWED`."""
    try:
        tree = ast.parse(expression.replace("^", "**"), mode="eval")
    except SyntaxError as error:
        return f"an expression of s that parses (column {error.offset}: {error.msg})"
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if id(node) in called:
            continue
        if isinstance(node, ast.Name):
            if node.id != "s" and node.id not in CONSTANTS_ALLOWED:
                return f"an expression of s alone (unknown name {node.id!r})"
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            if name not in FUNCTIONS_ALLOWED or len(node.args) != 1 or node.keywords:
                return f"functions of one argument from {', '.join(FUNCTIONS_ALLOWED)}"
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float) or isinstance(node.value, bool):
                return f"numbers, not {node.value!r}"
        elif not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Load, *_OPERATORS)):
            return f"arithmetic, not {type(node).__name__}"
    return None


def custom_kernels(definitions: Mapping[str, Mapping[str, Any]]) -> dict[str, Kernel]:
    """The kernels a config defines (``kernels:``), by name, and registered for
    :func:`get_kernel`. Nothing is integrated until a kernel's values are first needed."""
    kernels = {}
    for name, definition in definitions.items():
        start = float(definition.get("start", 0.0))
        stop, onset = definition.get("stop"), definition.get("response_onset")
        kernels[name] = Kernel(
            name=name,
            formula=f"{definition['shape']} for {start:g} <= s"
            + ("" if stop is None else f" <= {float(stop):g}"),
            total_integral=None,
            code=None,
            start=start,
            stop=math.inf if stop is None else float(stop),
            response_onset=max(start, -3.0) if onset is None else float(onset),
            expression=str(definition["shape"]),
        )
        if _CUSTOM.get(name) != kernels[name]:
            _CUSTOM[name] = kernels[name]
    return kernels


def kernel_table(config: Mapping[str, Any]) -> tuple[Kernel, ...]:
    """The kernels a job of ``config`` knows, in the order of their index in the
    simulation's inputs and generated code: the built-ins, then the config's own by name."""
    custom = custom_kernels(config.get("kernels") or {})
    return (*KERNELS.values(), *(custom[name] for name in sorted(custom)))


def kernel_names() -> list[str]:
    """Names of the built-in kernels, in registry order."""
    return list(KERNELS)


def get_kernel(name: str) -> Kernel:
    """Look up a kernel by name (a built-in, or one a resolved config defined), with an
    error that lists the allowed names."""
    try:
        return KERNELS[name] if name in KERNELS else _CUSTOM[name]
    except KeyError:
        allowed = ", ".join([*KERNELS, *_CUSTOM])
        raise KeyError(f"unknown kernel {name!r}; allowed: {allowed}") from None
