"""Pulse kernels: the time course of an injected current pulse.

A pulse of height ``h`` and width ``w`` with onset ``t0`` adds the current
``h * k((t - t0) / w)`` to a neuron's bias current. Each kernel is described by its
shape ``k(s)`` and by its antiderivative ``K(s) = integral of k from -inf to s``, which
gives the charge a pulse delivers over any interval exactly. Adding a kernel is one
entry in :data:`KERNELS`; the configuration schema and the workflow take their list of
allowed names from it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["KERNELS", "Kernel", "get_kernel", "kernel_names"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Kernel:
    """A pulse shape ``k(s)`` in dimensionless time ``s = (t - t0) / w``.

    Parameters
    ----------
    name
        Identifier used in configs, file names and netCDF coordinates.
    formula
        Human-readable definition, used in documentation and figure captions.
    shape
        ``k(s)``, vectorised over ``s``.
    antiderivative
        ``K(s)``, the integral of ``k`` from ``-inf`` to ``s``; finite for every ``s``.
    total_integral
        ``K(+inf)``, or ``None`` if the integral diverges (then the charge is only
        defined over a finite window).
    code
        ``K(s)`` as an expression of ``s`` in C, which is also Cython: what the compiled
        simulation evaluates (see :mod:`pulsesweep.model.stimulus`). The same operations in the
        same order as ``antiderivative``; a causal kernel gets ``s >= 0``.
    start, stop
        The range of ``s`` outside which ``k`` is zero or below 1e-16 of its integral
        (``0`` to ``1`` for the box; the gaussian starts 10 SD before its peak). The
        pulse current is computed over this range only; ``start == 0`` makes the kernel
        causal.
    response_onset
        Where the pulse is taken to start when its response is measured (in ``s``): the
        response window opens there. 0 for causal kernels; -3 for the gaussian, which
        delivers 99.87 % of its charge after it.
    """

    name: str
    formula: str
    shape: Callable[[FloatArray], FloatArray]
    antiderivative: Callable[[FloatArray], FloatArray]
    total_integral: float | None
    code: str
    start: float = 0.0
    stop: float = math.inf
    response_onset: float = 0.0

    def integral(self, s_start: ArrayLike, s_stop: ArrayLike) -> FloatArray:
        """Integral of ``k`` over ``[s_start, s_stop]`` (dimensionless)."""
        start = np.asarray(s_start, dtype=np.float64)
        stop = np.asarray(s_stop, dtype=np.float64)
        return self.antiderivative(stop) - self.antiderivative(start)

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
            if self.total_integral is None:
                raise ValueError(
                    f"the charge of the {self.name!r} kernel diverges; give a finite window"
                )
            return height * width * self.total_integral
        if window < 0:
            raise ValueError(f"window must be >= 0, got {window}")
        end = np.asarray(window / width, dtype=np.float64)
        return float(height * width * self.antiderivative(end))

    def window_charge(self, height: float, width: float, window: float) -> float:
        """Charge delivered in the response window, ``window`` (s) from the pulse's start
        (``t0 + response_onset * w``): the charge behind every response metric."""
        start = self.response_onset
        return float(height * width * self.integral(start, start + window / width))


def _causal(function: Callable[[FloatArray], FloatArray]) -> Callable[[FloatArray], FloatArray]:
    """Make ``function`` zero for ``s < 0`` without evaluating it there."""

    def causal(s: FloatArray) -> FloatArray:
        s = np.asarray(s, dtype=np.float64)
        return np.where(s >= 0, function(np.maximum(s, 0.0)), 0.0)

    return causal


_SQRT_HALF_PI = math.sqrt(math.pi / 2)


def _gaussian_antiderivative(s: ArrayLike) -> NDArray[np.float64]:
    """``sqrt(pi/2) erfc(-s / sqrt(2))``; scipy is imported here, not with the module,
    so that reading a config (the Snakefile, every job) does not pay for it."""
    from scipy import special

    result: NDArray[np.float64] = _SQRT_HALF_PI * special.erfc(-np.asarray(s) / math.sqrt(2))
    return result


KERNELS: dict[str, Kernel] = {
    kernel.name: kernel
    for kernel in (
        Kernel(
            name="exponential",
            formula="exp(-s) for s >= 0",
            shape=_causal(lambda s: np.exp(-s)),
            antiderivative=_causal(lambda s: -np.expm1(-s)),
            total_integral=1.0,
            code="-expm1(-s)",
            stop=40.0,
        ),
        Kernel(
            name="inverse_time",
            formula="1/(1+s) for s >= 0",
            shape=_causal(lambda s: 1.0 / (1.0 + s)),
            antiderivative=_causal(np.log1p),
            total_integral=None,
            code="log1p(s)",
        ),
        Kernel(
            name="box",
            formula="1 for 0 <= s < 1",
            shape=_causal(lambda s: (s < 1.0).astype(np.float64)),
            antiderivative=_causal(lambda s: np.minimum(s, 1.0)),
            total_integral=1.0,
            code="fmin(s, 1.0)",
            stop=1.0,
        ),
        Kernel(
            name="gaussian",
            formula="exp(-s^2/2), centred on the onset",
            shape=lambda s: np.exp(-0.5 * np.square(s)),
            antiderivative=_gaussian_antiderivative,
            total_integral=math.sqrt(2 * math.pi),
            code=f"{_SQRT_HALF_PI!r} * erfc(-s / {math.sqrt(2)!r})",
            start=-10.0,
            stop=10.0,
            response_onset=-3.0,
        ),
        Kernel(
            name="alpha",
            formula="s*exp(1-s) for s >= 0, peak 1 at s = 1",
            shape=_causal(lambda s: s * np.exp(1.0 - s)),
            antiderivative=_causal(lambda s: math.e * -np.expm1(-s) - math.e * s * np.exp(-s)),
            total_integral=math.e,
            code=f"{math.e!r} * -expm1(-s) - {math.e!r} * s * exp(-s)",
            stop=45.0,
        ),
    )
}


def kernel_names() -> list[str]:
    """Names of all registered kernels, in registry order."""
    return list(KERNELS)


def get_kernel(name: str) -> Kernel:
    """Look up a kernel by name, with an error that lists the allowed names."""
    try:
        return KERNELS[name]
    except KeyError:
        raise KeyError(f"unknown kernel {name!r}; allowed: {', '.join(KERNELS)}") from None
