"""Pulse kernels: the time course of an injected current pulse.

A pulse of height ``h`` and width ``w`` with onset ``t0`` adds the current
``h * k((t - t0) / w)`` to a neuron's bias current. Each kernel is described by its
shape ``k(s)`` and by its antiderivative ``K(s) = integral of k from -inf to s``, which
gives the charge a pulse delivers over any interval exactly. This module holds each
kernel's definition without numpy (the Snakefile reads the names when it plans a sweep);
``k`` and ``K`` vectorised with numpy are in :mod:`pulsesweep.model.kernel_functions`.
Adding a kernel is an entry in :data:`KERNELS` and its ``k`` and ``K`` there; the
configuration schema and the workflow take their list of allowed names from here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike, NDArray

    FloatArray = NDArray[np.float64]

__all__ = ["KERNELS", "Kernel", "get_kernel", "kernel_names"]


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
    total_integral: float | None
    code: str
    start: float = 0.0
    stop: float = math.inf
    response_onset: float = 0.0

    @property
    def shape(self) -> Callable[[FloatArray], FloatArray]:
        """``k(s)``, vectorised over ``s`` (numpy)."""
        from pulsesweep.model.kernel_functions import FUNCTIONS

        return FUNCTIONS[self.name][0]

    @property
    def antiderivative(self) -> Callable[[FloatArray], FloatArray]:
        """``K(s)``, the integral of ``k`` from ``-inf`` to ``s``; finite for every ``s``."""
        from pulsesweep.model.kernel_functions import FUNCTIONS

        return FUNCTIONS[self.name][1]

    def integral(self, s_start: ArrayLike, s_stop: ArrayLike) -> FloatArray:
        """Integral of ``k`` over ``[s_start, s_stop]`` (dimensionless)."""
        import numpy as np

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
            formula="exp(-s) for s >= 0",
            total_integral=1.0,
            code="-expm1(-s)",
            stop=40.0,
        ),
        Kernel(
            name="inverse_time",
            formula="1/(1+s) for s >= 0",
            total_integral=None,
            code="log1p(s)",
        ),
        Kernel(
            name="box",
            formula="1 for 0 <= s < 1",
            total_integral=1.0,
            code="fmin(s, 1.0)",
            stop=1.0,
        ),
        Kernel(
            name="gaussian",
            formula="exp(-s^2/2), centred on the onset",
            total_integral=math.sqrt(2 * math.pi),
            code=f"{_SQRT_HALF_PI!r} * erfc(-s / {math.sqrt(2)!r})",
            start=-10.0,
            stop=10.0,
            response_onset=-3.0,
        ),
        Kernel(
            name="alpha",
            formula="s*exp(1-s) for s >= 0, peak 1 at s = 1",
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
