"""C++ and Cython code of a kernel defined by its expression: ``custom_integral_{i}(a, b)``
for the compiled targets, with the same operations in the same order as the numpy path of
:class:`~pulsesweep.model.kernel_expressions.ExpressionKernel` (its antiderivative's
difference, or its composite Gauss–Legendre quadrature).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import sympy

from pulsesweep.model.kernel_functions import GAUSS_LEGENDRE_ORDER, PANEL, RULES

if TYPE_CHECKING:
    from pulsesweep.model.kernel_expressions import ExpressionKernel

__all__ = ["kernel_code"]


def _print(expression: Any, language: str) -> str:
    if language == "cpp":
        return str(sympy.ccode(expression, standard="C99"))
    return str(sympy.pycode(expression, fully_qualified_modules=False)).replace("math.", "")


_CPP = """
static inline double custom_shape_{i}(double s) {{ return {shape}; }}
static inline double custom_primitive_{i}(double s) {{ return {primitive}; }}
static inline double custom_quadrature_{i}(double low, double high) {{
    const double length = fmax(high - low, 0.0);
    if (!(length > 0.0)) return 0.0;  /* a step where the kernel does not act */
    const int64_t panels = (int64_t) fmax(1.0, ceil(length / {panel!r}));
    const double size = length / panels, half = 0.5 * size;
    double total = 0.0;
{terms}
    return total;
}}
static inline double custom_integral_{i}(double a, double b) {{
    const double low = {low}, high = {high};
{integral}
}}
"""
_CYTHON = """
cdef inline double custom_shape_{i}(double s):
    return {shape}

cdef inline double custom_primitive_{i}(double s):
    return {primitive}

cdef inline double custom_quadrature_{i}(double low, double high):
    cdef double length = fmax(high - low, 0.0)
    if not length > 0.0:  # a step where the kernel does not act
        return 0.0
    cdef long panels = <long> fmax(1.0, ceil(length / {panel!r}))
    cdef double size = length / panels
    cdef double half = 0.5 * size
    cdef double total = 0.0
    cdef double centre, part
    cdef long panel
{terms}
    return total

cdef inline double custom_integral_{i}(double a, double b):
    cdef double low = {low}
    cdef double high = {high}
{integral}
"""


def _rule(nodes: Any, weights: Any, cpp: bool, index: int, indent: str) -> list[str]:
    """The panel loop of one Gauss–Legendre rule, in the numpy path's order."""
    end = ";" if cpp else ""
    term = f"{indent}    part = part + {{w!r}} * custom_shape_{index}(centre + half * {{x!r}}){end}"
    body = [
        f"{indent}    {'const double ' if cpp else ''}centre = low + (panel + 0.5) * size{end}",
        f"{indent}    {'double ' if cpp else ''}part = 0.0{end}",
        *(term.format(w=float(w), x=float(x)) for x, w in zip(nodes, weights, strict=True)),
        f"{indent}    total = total + half * part{end}",
    ]
    if cpp:
        return [
            f"{indent}for (int64_t panel = 0; panel < panels; panel++) {{",
            *body,
            f"{indent}}}",
        ]
    return [f"{indent}for panel in range(panels):", *body]


def _rules(kernel: ExpressionKernel, cpp: bool, index: int) -> str:
    """The quadrature's loops: the lowest order of ``kernel.orders`` whose panels are
    as short as ``size``, else the full order, as the numpy path chooses."""
    lines: list[str] = []
    branches = [(order, longest) for order, longest in kernel.orders if longest > 0]
    for number, (order, longest) in enumerate(branches):
        keyword = ("if" if number == 0 else "else if") if cpp else ("if" if number == 0 else "elif")
        lines.append(
            f"    {keyword} (size <= {longest!r}) {{"
            if cpp
            else f"    {keyword} size <= {longest!r}:"
        )
        lines += _rule(*RULES[order], cpp, index, "        ")
        if cpp:
            lines.append("    }")
    full = RULES[GAUSS_LEGENDRE_ORDER]
    if branches:
        lines.append("    else {" if cpp else "    else:")
        lines += _rule(*full, cpp, index, "        ")
        if cpp:
            lines.append("    }")
    else:
        lines += _rule(*full, cpp, index, "    ")
    return "\n".join(lines)


def kernel_code(kernel: ExpressionKernel, language: str, index: int) -> str:
    """C++ or Cython functions of one kernel; the same operations as its numpy path."""
    cpp = language == "cpp"
    low, high = f"fmax(a, {kernel.start!r})", f"fmax(b, {kernel.start!r})"
    if math.isfinite(kernel.stop):
        low, high = f"fmin({low}, {kernel.stop!r})", f"fmin({high}, {kernel.stop!r})"
    terms = "" if kernel.exact else _rules(kernel, cpp, index)
    primitive = f"custom_primitive_{index}"
    quadrature = f"custom_quadrature_{index}"
    if kernel.exact:
        integral = (
            f"    return high > low ? {primitive}(high) - {primitive}(low) : 0.0;"
            if cpp
            else f"    return {primitive}(high) - {primitive}(low) if high > low else 0.0"
        )
    elif kernel.start < 0:  # split at s = 0, as the numpy path does
        split = "(low < 0 && high > 0)" if cpp else "(low < 0 and high > 0)"
        middle = f"({split} ? 0.0 : high)" if cpp else f"(0.0 if {split} else high)"
        ret = f"{quadrature}(low, {middle}) + {quadrature}({middle}, high)"
        integral = f"    return {ret};" if cpp else f"    return {ret}"
    else:
        integral = (
            f"    return {quadrature}(low, high);" if cpp else f"    return {quadrature}(low, high)"
        )
    return (_CPP if cpp else _CYTHON).format(
        i=index,
        shape=_print(kernel.sympy_shape, language),
        primitive=_print(kernel.primitive, language) if kernel.exact else "0.0",
        terms=terms,
        panel=PANEL,
        low=low,
        high=high,
        integral=integral,
    )
