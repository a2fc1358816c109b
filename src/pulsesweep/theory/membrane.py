"""The membrane's response to a pulse: ``P(x)``, in closed form for the built-in kernels.

The membrane equation ``tau dv/dt = R I(t) - v`` is linear, so a pulse of height ``h``
adds ``R h P(t - t0)`` to ``v`` (from rest, with no spike in between), where
``P(x) = (1/tau) * integral over s <= x of k(s/w) exp(-(x - s)/tau) ds`` is the response
to the unit pulse. A kernel given by its expression alone gets ``P`` by quadrature
(:mod:`pulsesweep.theory.quadrature`). Vectorised with numpy and scipy (no Brian2); the theory
(:mod:`pulsesweep.theory.lif`) builds on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from pulsesweep.model.kernels import get_kernel
from pulsesweep.theory.quadrature import response_integral

__all__ = ["float_arrays", "membrane_response", "numpy_result"]

FloatArray = NDArray[np.float64]

_EXPI_ASYMPTOTIC = 700.0  # above this, exp(-z) Ei(z) comes from its asymptotic series


def float_arrays(*values: ArrayLike) -> Sequence[FloatArray]:
    """The arguments as float64 arrays broadcast to one shape."""
    return np.broadcast_arrays(*(np.asarray(value, dtype=np.float64) for value in values))


def numpy_result(array: FloatArray) -> FloatArray:
    """A 0-d result as a numpy scalar, any other unchanged."""
    return np.asarray(array)[()]


def _on(
    mask: NDArray[np.bool_], function: Callable[..., FloatArray], *arrays: FloatArray
) -> FloatArray:
    """``function`` of the arrays where ``mask`` holds, 0 elsewhere."""
    out = np.zeros_like(arrays[0])
    out[mask] = function(*(array[mask] for array in arrays))
    return out


def _box_response(x: FloatArray, width: FloatArray, tau: FloatArray) -> FloatArray:
    """``1 - exp(-x/tau)`` while on, then decaying from ``1 - exp(-w/tau)``."""
    return _on((x > 0) & (x < width), lambda x, t: -np.expm1(-x / t), x, tau) + _on(
        (x > 0) & (x >= width),
        lambda x, w, t: -np.expm1(-w / t) * np.exp(-(x - w) / t),
        x,
        width,
        tau,
    )


def _exponential_response(x: FloatArray, width: FloatArray, tau: FloatArray) -> FloatArray:
    """``w/(w - tau) (exp(-x/w) - exp(-x/tau))``; near ``w = tau`` through ``exprel``."""
    exponent = x / tau - x / width  # x (w - tau)/(w tau): small near w = tau
    near = _on(
        (x > 0) & (np.abs(exponent) <= 1),
        lambda x, t, y: x / t * np.exp(-x / t) * special.exprel(y),
        x,
        tau,
        exponent,
    )
    return near + _on(
        (x > 0) & (np.abs(exponent) > 1),
        lambda x, w, t: w / (w - t) * (np.exp(-x / w) - np.exp(-x / t)),
        x,
        width,
        tau,
    )


def _alpha_series(u: FloatArray) -> FloatArray:
    """``phi(u) = (1 - exp(-u)(1 + u))/u^2 = sum (-u)^n / (n! (n + 2))``, for ``|u| <= 1``."""
    series, term = np.zeros_like(u), np.ones_like(u)
    for n in range(24):
        series += term / (n + 2)
        term *= -u / (n + 1)
    return series


def _alpha_response(x: FloatArray, width: FloatArray, tau: FloatArray) -> FloatArray:
    """``(e/(tau w)) exp(-x/tau) x^2 phi(a x)``, ``a = 1/w - 1/tau``, by the series of
    ``phi`` (:func:`_alpha_series`) where ``|a x| <= 1``."""
    rate = 1 / width - 1 / tau
    near = _on(
        (x > 0) & (np.abs(rate * x) <= 1),
        lambda x, w, t, a: math.e / (t * w) * x * x * np.exp(-x / t) * _alpha_series(a * x),
        x,
        width,
        tau,
        rate,
    )
    return near + _on(
        (x > 0) & (np.abs(rate * x) > 1),
        lambda x, w, t, a: (
            math.e / (t * w * a * a) * (np.exp(-x / t) - np.exp(-x / w) * (1 + a * x))
        ),
        x,
        width,
        tau,
        rate,
    )


def _gaussian_response(x: FloatArray, width: FloatArray, tau: FloatArray) -> FloatArray:
    """Completing the square: ``(w/tau) sqrt(pi/2) exp(-x/tau + w^2/(2 tau^2)) erfc(z)``,
    with ``erfc(z) = erfcx(z) exp(-z^2)`` for ``z > 0`` so that nothing overflows."""
    z = -(x - width * width / tau) / (width * math.sqrt(2))
    positive = np.maximum(z, 0.0)
    log_erfc = np.where(
        z > 0,
        np.log(special.erfcx(positive)) - positive * positive,
        np.log(special.erfc(np.minimum(z, 0.0))),
    )
    exponent = -x / tau + width * width / (2 * tau * tau) + log_erfc
    exponential: FloatArray = np.exp(exponent)
    return width / tau * math.sqrt(math.pi / 2) * exponential


def _scaled_expi(z: FloatArray) -> FloatArray:
    """``exp(-z) Ei(z)`` for ``z > 0``, without overflow for large ``z``."""
    small, large = np.minimum(z, _EXPI_ASYMPTOTIC), np.maximum(z, _EXPI_ASYMPTOTIC)
    series = np.ones_like(large)  # sum of n!/z^n for n < 12 (shrinks until n ~ z), by Horner
    for n in range(11, 0, -1):
        series = 1.0 + n * series / large
    return np.where(z <= _EXPI_ASYMPTOTIC, np.exp(-small) * special.expi(small), series / large)


def _inverse_time_response(x: FloatArray, width: FloatArray, tau: FloatArray) -> FloatArray:
    """``(w/tau) exp(-(x + w)/tau) (Ei((w + x)/tau) - Ei(w/tau))``."""
    return _on(
        x > 0,
        lambda x, w, t: w / t * (_scaled_expi((w + x) / t) - np.exp(-x / t) * _scaled_expi(w / t)),
        x,
        width,
        tau,
    )


_RESPONSES: dict[str, Callable[[FloatArray, FloatArray, FloatArray], FloatArray]] = {
    "box": _box_response,
    "exponential": _exponential_response,
    "alpha": _alpha_response,
    "gaussian": _gaussian_response,
    "inverse_time": _inverse_time_response,
}


def membrane_response(kernel: str, x: ArrayLike, width: ArrayLike, tau: ArrayLike) -> FloatArray:
    """The membrane's response ``P(x)`` to a pulse of unit height.

    ``P(x) = (1/tau) * integral over s <= x of k(s/w) exp(-(x - s)/tau) ds``, in closed
    form for the built-in kernels (exact at ``width == tau``, stable for large arguments),
    by Gauss–Legendre quadrature for a config's own
    (:func:`pulsesweep.theory.quadrature.response_integral`).

    Parameters
    ----------
    kernel
        A kernel name: a built-in one or a config's own.
    x, width, tau
        Time since the onset ``t0`` (the gaussian's peak), pulse width, membrane time
        constant (s). Broadcast together.

    Returns
    -------
    numpy.ndarray
        ``P(x)``, dimensionless: a pulse of height ``h`` adds ``R h P(t - t0)`` to ``v``.
    """
    spec = get_kernel(kernel)  # an unknown name fails with the list of allowed ones
    x, width, tau = float_arrays(x, width, tau)
    if not spec.builtin:
        return numpy_result(
            response_integral(spec, np.zeros_like(x), width, tau, np.full_like(x, -np.inf), x)
        )
    return numpy_result(_RESPONSES[kernel](x.ravel(), width.ravel(), tau.ravel()).reshape(x.shape))
