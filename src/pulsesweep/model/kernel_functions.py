"""The numerical shapes of the built-in pulse kernels: ``k(s)`` and its antiderivative
``K(s)`` vectorised with numpy, by kernel name (:mod:`pulsesweep.model.kernels` holds the
rest of each kernel and reads these when they are first needed); and the Gauss–Legendre
rules that integrate a kernel given by its expression, numpy only, so that the theory
reads them without sympy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["FUNCTIONS", "GAUSS_LEGENDRE_ORDER", "LOWER_ORDERS", "PANEL", "RULES"]

_SQRT_HALF_PI = math.sqrt(math.pi / 2)

FloatArray = NDArray[np.float64]
#: Nodes of the quadrature of every step where a kernel given by its expression has no
#: antiderivative (:mod:`pulsesweep.model.kernel_expressions`, and the theory's
#: :mod:`pulsesweep.theory.quadrature`).
GAUSS_LEGENDRE_ORDER = 8
#: Fewer nodes where a panel is short enough that they give the same integral
#: (``ExpressionKernel.orders``): a step of ``dt << w`` needs two or three.
LOWER_ORDERS = (2, 3, 4, 6)
#: The Gauss–Legendre nodes and weights on ``[-1, 1]`` of each order.
RULES = {n: np.polynomial.legendre.leggauss(n) for n in (*LOWER_ORDERS, GAUSS_LEGENDRE_ORDER)}
#: The longest panel of the composite quadrature, in the kernel's time ``s``.
PANEL = 0.25
#: A kernel's shape ``k(s)`` or its antiderivative ``K(s)``.
Function = Callable[[FloatArray], FloatArray]


def _causal(function: Callable[[FloatArray], FloatArray]) -> Callable[[FloatArray], FloatArray]:
    """Make ``function`` zero for ``s < 0`` without evaluating it there."""

    def causal(s: FloatArray) -> FloatArray:
        s = np.asarray(s, dtype=np.float64)
        return np.where(s >= 0, function(np.maximum(s, 0.0)), 0.0)

    return causal


def _gaussian_antiderivative(s: ArrayLike) -> NDArray[np.float64]:
    """``sqrt(pi/2) erfc(-s / sqrt(2))``; scipy is imported here, not with the module,
    so that reading a config (the Snakefile, every job) does not pay for it."""
    from scipy import special

    result: NDArray[np.float64] = _SQRT_HALF_PI * special.erfc(-np.asarray(s) / math.sqrt(2))
    return result


#: ``(k, K)`` of every built-in kernel, by name.
FUNCTIONS: dict[str, tuple[Function, Function]] = {
    "exponential": (
        _causal(lambda s: np.exp(-s)),
        _causal(lambda s: -np.expm1(-s)),
    ),
    "inverse_time": (
        _causal(lambda s: 1.0 / (1.0 + s)),
        _causal(np.log1p),
    ),
    "box": (
        _causal(lambda s: (s < 1.0).astype(np.float64)),
        _causal(lambda s: np.minimum(s, 1.0)),
    ),
    "gaussian": (
        lambda s: np.exp(-0.5 * np.square(s)),
        _gaussian_antiderivative,
    ),
    "alpha": (
        _causal(lambda s: s * np.exp(1.0 - s)),
        _causal(lambda s: math.e * -np.expm1(-s) - math.e * s * np.exp(-s)),
    ),
}
