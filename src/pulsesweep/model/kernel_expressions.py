"""Kernels defined by an expression ``k(s)``: parsed to sympy without ``eval``, integrated
exactly where sympy finds an antiderivative, by Gauss–Legendre quadrature otherwise.

An :class:`ExpressionKernel` gives what the simulation and the theory need of a kernel:
``k`` and ``K`` vectorised with numpy, the integral over any interval, the total charge
(None where it diverges), the range where the kernel is not negligible, and C++ and
Cython code for the compiled targets (:mod:`pulsesweep.model.kernel_code`).

Where sympy finds no antiderivative (or one that disagrees with adaptive quadrature), each
integral is Gauss–Legendre quadrature of order
:data:`~pulsesweep.model.kernel_functions.GAUSS_LEGENDRE_ORDER` over the part of the
interval inside ``[start, stop]``, split at ``s = 0`` (where ``abs(s)`` kinks).
"""

from __future__ import annotations

import ast
import functools
import itertools
import logging
import math
import signal
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from numpy.typing import ArrayLike, NDArray

from pulsesweep.errors import ConfigError
from pulsesweep.model.kernel_functions import GAUSS_LEGENDRE_ORDER, LOWER_ORDERS, PANEL, RULES
from pulsesweep.model.kernels import custom_kernels, shape_problem

__all__ = [
    "ExpressionKernel",
    "check_kernel_numerics",
    "to_sympy",
]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
#: A lower order is used on panels where it agrees with the full one to this much of the
#: kernel's largest value times the panel's length.
_ORDER_TOLERANCE = 1e-14
#: How long sympy may search for an antiderivative (s) before quadrature is used.
SYMBOLIC_TIMEOUT_S = 10
#: Beyond this the tail of a kernel without ``stop`` holds less than 1e-16 of its charge.
_NEGLIGIBLE = 1e-16
S = sympy.Symbol("s", real=True)
_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "exp": sympy.exp,
    "expm1": lambda x: sympy.exp(x) - 1,
    "log": sympy.log,
    "log1p": lambda x: sympy.log(1 + x),
    "sqrt": sympy.sqrt,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "abs": sympy.Abs,
    "erf": sympy.erf,
    "erfc": sympy.erfc,
}
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def to_sympy(expression: str) -> sympy.Expr:
    """``k(s)`` as a sympy expression of :data:`S`, from Python's syntax tree (never
    ``eval``). Raises ``ValueError`` with :func:`~pulsesweep.model.kernels.shape_problem`'s
    text for an expression it refuses."""
    problem = shape_problem(expression)
    if problem:
        raise ValueError(problem)
    return _convert(ast.parse(expression.replace("^", "**"), mode="eval").body)


def _convert(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        value = node.value
        return sympy.Integer(value) if isinstance(value, int) else sympy.Float(repr(value))
    if isinstance(node, ast.Name):
        return {"s": S, "pi": sympy.pi, "e": sympy.E}[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _convert(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_convert(node.left), _convert(node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _FUNCTIONS[node.func.id](_convert(node.args[0]))
    raise ValueError(f"arithmetic, not {type(node).__name__}")  # shape_problem refused it


def _numeric(expression: Any) -> Any:
    """Constants and fractions as 17-digit floats: the same number on every target."""
    replacements = {sympy.pi: sympy.Float(math.pi, 17), sympy.E: sympy.Float(math.e, 17)}
    for atom in expression.atoms(sympy.Rational):
        if not atom.is_Integer:
            replacements[atom] = sympy.Float(float(atom), 17)
    return expression.xreplace(replacements)


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ``TimeoutError`` after ``seconds`` (main thread only; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _antiderivative(shape: Any) -> Any | None:
    """sympy's antiderivative of ``shape``, or None if it finds none in time."""
    try:
        with _time_limit(SYMBOLIC_TIMEOUT_S):
            found = sympy.integrate(shape, S, conds="none")
    except (TimeoutError, NotImplementedError, ValueError, TypeError):
        return None
    if found.has(sympy.Integral) or found.has(sympy.zoo) or found.has(sympy.nan):
        return None
    return found


@dataclass(frozen=True)
class ExpressionKernel:
    """The numerics of one kernel expression on ``[start, stop]`` (``stop`` may be inf).

    ``primitive`` is sympy's antiderivative (None: every integral is quadrature).
    """

    expression: str
    start: float
    stop: float
    sympy_shape: Any
    primitive: Any | None

    @classmethod
    @functools.cache
    def of(cls, expression: str, start: float, stop: float) -> ExpressionKernel:
        """The kernel of ``expression`` (cached: sympy integrates each expression once)."""
        shape = _numeric(to_sympy(expression))
        primitive = _antiderivative(shape)
        kernel = cls(expression, start, stop, shape, primitive and _numeric(primitive))
        if primitive is not None and not kernel._primitive_agrees():
            logger.warning("antiderivative of %r disagrees with quadrature", expression)
            kernel = cls(expression, start, stop, shape, None)
        return kernel

    @property
    def exact(self) -> bool:
        """Whether integrals come from the antiderivative (else from quadrature)."""
        return self.primitive is not None

    @functools.cached_property
    def _k(self) -> Callable[[FloatArray], FloatArray]:
        return _vectorised(sympy.lambdify(S, self.sympy_shape, modules=["numpy", "scipy"]))

    @functools.cached_property
    def _f(self) -> Callable[[FloatArray], FloatArray]:
        return _vectorised(sympy.lambdify(S, self.primitive, modules=["numpy", "scipy"]))

    def shape(self, s: ArrayLike) -> FloatArray:
        """``k(s)`` inside ``[start, stop]``, 0 outside."""
        s = np.asarray(s, dtype=np.float64)
        inside = (s >= self.start) & (s <= self.stop)
        return np.where(inside, self._k(np.clip(s, self.start, self.stop)), 0.0)

    def integral(self, a: ArrayLike, b: ArrayLike) -> FloatArray:
        """``integral of k over [a, b]``, elementwise (``a <= b``)."""
        low = np.clip(np.asarray(a, dtype=np.float64), self.start, self.stop)
        high = np.clip(np.asarray(b, dtype=np.float64), self.start, self.stop)
        if self.exact:
            return np.where(high > low, self._f(high) - self._f(low), 0.0)
        split = (low < 0) & (high > 0) & (self.start < 0)
        middle = np.where(split, 0.0, high)
        return self._quadrature(low, middle) + self._quadrature(middle, high)

    def _quadrature(self, low: FloatArray, high: FloatArray) -> FloatArray:
        """Composite Gauss–Legendre: panels of at most
        :data:`~pulsesweep.model.kernel_functions.PANEL` in ``s`` (one panel for a step of
        ``dt <= w / 4``), each of order
        :data:`~pulsesweep.model.kernel_functions.GAUSS_LEGENDRE_ORDER`, or of the lowest
        order of :attr:`orders` whose panels are that short."""
        low, high = np.broadcast_arrays(low, high)
        length = np.maximum(high - low, 0.0)
        panels = np.maximum(1, np.ceil(length / PANEL)).astype(np.int64)
        size = length / panels
        order = np.full(low.shape, GAUSS_LEGENDRE_ORDER)
        for lower, longest in reversed(self.orders):
            order = np.where(size <= longest, lower, order)
        total = np.zeros(low.shape)
        for rule in np.unique(order[length > 0]):
            nodes, weights = RULES[int(rule)]
            for panel in range(int(panels[order == rule].max(initial=1))):
                inside = (panel < panels) & (order == rule) & (length > 0)
                half = np.where(inside, 0.5 * size, 0.0)
                centre = low + (panel + 0.5) * size
                part = np.zeros(low.shape)
                for node, weight in zip(nodes, weights, strict=True):
                    part = part + weight * self._k(centre + half * node)
                total = total + np.where(inside, half * part, 0.0)
        return total

    @functools.cached_property
    def orders(self) -> tuple[tuple[int, float], ...]:
        """For each of :data:`~pulsesweep.model.kernel_functions.LOWER_ORDERS`, the longest
        panel (in ``s``, a power of 2 times ``PANEL``, 0 for none) on which it gives the
        full order's integral to :data:`_ORDER_TOLERANCE` of the kernel's largest value
        times the panel's length, on 512 panels spread over the kernel's first 40 units of
        ``s``."""
        end = min(self.stop, self.start + 40.0)
        scale = float(np.max(np.abs(self._k(np.linspace(self.start, end, 4001)))))
        orders = []
        for order in LOWER_ORDERS:
            longest = 0.0
            for length in PANEL * 0.5 ** np.arange(15, -1, -1):  # from the shortest up
                if not self._agrees(order, float(length), end, scale):
                    break
                longest = float(length)
            orders.append((order, longest))
        return tuple(orders)

    def _agrees(self, order: int, length: float, end: float, scale: float) -> bool:
        """Whether ``order`` gives the full order's integral on panels of ``length``."""
        lefts = np.linspace(self.start, max(end - length, self.start), 512)
        lefts = lefts[~((lefts < 0) & (lefts + length > 0) & (self.start < 0))]  # split at 0
        if not lefts.size:  # longer than either side of 0: no step has such a panel
            return True
        half = 0.5 * length
        results = []
        for rule in (order, GAUSS_LEGENDRE_ORDER):
            nodes, weights = RULES[rule]
            values = self._k((lefts + half)[:, None] + half * nodes)
            results.append(half * (values @ weights))
        return bool(np.max(np.abs(results[0] - results[1])) <= _ORDER_TOLERANCE * scale * length)

    def antiderivative(self, s: ArrayLike) -> FloatArray:
        """``K(s)``: the integral of ``k`` from ``start`` to ``s``."""
        s = np.asarray(s, dtype=np.float64)
        return self.integral(np.full(s.shape, self.start), s)

    @functools.cached_property
    def total(self) -> float | None:
        """The integral over ``[start, stop]``; None where it diverges."""
        if math.isfinite(self.stop):
            return float(self.integral(self.start, self.stop))
        if self.exact:
            try:
                with _time_limit(SYMBOLIC_TIMEOUT_S):
                    far = self.primitive  # a piecewise one: its last piece, for large s
                    if isinstance(far, sympy.Piecewise):
                        far = far.args[-1].expr
                    limit = sympy.limit(far, S, sympy.oo)
            except (TimeoutError, NotImplementedError, ValueError, TypeError):
                return _quad_total(self._k, self.start)
            if not limit.is_finite:
                return None
            return float(limit) - float(self._f(np.asarray(self.start, dtype=np.float64)))
        return _quad_total(self._k, self.start)

    @functools.cached_property
    def effective_stop(self) -> float:
        """``stop``, or for a kernel without one, where its remaining charge falls below
        1e-16 of the total (inf where it never does before ``s = 1e9``)."""
        total = self.total
        if math.isfinite(self.stop) or total is None:
            return self.stop
        for stop in self.start + np.logspace(0, 9, 91):
            if self.exact:
                tail = abs(total - float(self.integral(self.start, stop)))
            else:  # adaptive quadrature of the tail, not panels up to 1e9
                tail = abs(_quad_total(self._k, float(stop)) or math.inf)
            if tail < _NEGLIGIBLE * abs(total):
                return float(stop)
        return math.inf

    def _primitive_agrees(self) -> bool:
        """sympy's antiderivative against adaptive quadrature, on five intervals."""
        from scipy import integrate

        end = self.start + min(self.stop - self.start, 20.0)
        edges = np.linspace(self.start, end, 6)
        for a, b in itertools.pairwise(edges):
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", integrate.IntegrationWarning)
                expected = integrate.quad(lambda s: float(self._k(np.asarray(s))), a, b)[0]
                actual = float(self.integral(a, b))
            if not math.isclose(actual, expected, rel_tol=1e-8, abs_tol=1e-12):
                return False
        return True


def _vectorised(function: Callable[[Any], Any]) -> Callable[[FloatArray], FloatArray]:
    """``function`` of float arrays, as float arrays of their shape; a branch of a
    piecewise expression that overflows where it is not taken is no warning."""

    def vectorised(s: FloatArray) -> FloatArray:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value = function(s)
        return np.broadcast_to(value, np.shape(s)).astype(np.float64)

    return vectorised


def _quad_total(shape: Callable[[FloatArray], FloatArray], start: float) -> float | None:
    """The integral of ``shape`` from ``start`` to infinity by adaptive quadrature, to
    1e-12 where it can, else to its default tolerance; None where it diverges."""
    from scipy import integrate

    def scalar(s: float) -> float:
        return float(shape(np.asarray(s, dtype=np.float64)))

    for tolerances in ({"epsabs": 0.0, "epsrel": 1e-12, "limit": 500}, {}):
        with warnings.catch_warnings():
            warnings.simplefilter("error", integrate.IntegrationWarning)
            try:
                value = integrate.quad(scalar, start, np.inf, **tolerances)[0]
            except integrate.IntegrationWarning:
                continue
        return float(value) if math.isfinite(value) else None
    return None


def check_kernel_numerics(config: Mapping[str, Any]) -> None:
    """Every kernel the config defines is finite, and not zero everywhere, where it acts
    (sympy and numpy: the science checks). A charge that diverges without a ``stop`` is
    allowed, as for the built-in ``inverse_time``: every response counts the charge of its
    window, which is finite.

    Raises
    ------
    ConfigError
        Naming ``kernels.NAME.shape``.
    """
    for name, kernel in custom_kernels(config.get("kernels") or {}).items():
        end = kernel.start + min(kernel.stop - kernel.start, 50.0)
        values = kernel.shape(np.linspace(kernel.start, end, 10_001))
        if not np.isfinite(values).all() or not np.isfinite(kernel.integral(kernel.start, end)):
            raise ConfigError(
                f"kernels.{name}.shape",
                kernel.expression,
                f"finite values for s in [{kernel.start:g}, {end:g}]",
            )
        if not np.any(values):
            raise ConfigError(
                f"kernels.{name}.shape", kernel.expression, "a shape that is not zero everywhere"
            )
