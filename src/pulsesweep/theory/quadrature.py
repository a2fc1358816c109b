"""The membrane's response to a kernel known by its expression alone, by quadrature.

A pulse of unit height, onset ``t0`` and width ``w`` adds to ``tau dv/dt = R I - v``,
between two times ``b <= e`` with no reset in between,

``J(b, e) = (1/tau) * integral over [b, e] of k((s - t0)/w) exp(-(e - s)/tau) ds``

(times ``R h``). In the kernel's time ``u = (s - t0)/w``, with ``a = w/tau`` and
``y = (e - t0)/w``, that is ``a * integral of k(u) exp(-a (y - u)) du`` over
``[(b - t0)/w, y]`` clipped to where the kernel acts (``start`` to its effective stop),
computed by composite Gauss–Legendre quadrature of order
:data:`~pulsesweep.model.kernel_functions.GAUSS_LEGENDRE_ORDER` on panels no longer
than :data:`~pulsesweep.model.kernel_functions.PANEL` in ``u`` nor ``1/a`` (so the
exponential changes by at most ``e`` over a panel), split at 0 for a kernel that acts
before its onset (where ``exp(-|s|)`` has its kink). The part of the integral more than
``40 tau`` before ``e`` is left out: it holds less than ``exp(-40)`` of the kernel's
largest value. The membrane response of :func:`~pulsesweep.theory.membrane.membrane_response`
is ``P(x) = J(-inf, t0 + x)``. :func:`ceiling` bounds the kernel from above for the
spike search. numpy only.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from pulsesweep.model.kernel_functions import GAUSS_LEGENDRE_ORDER, PANEL, RULES
from pulsesweep.model.kernels import Kernel

__all__ = ["ceiling", "response_integral"]

FloatArray = NDArray[np.float64]

_NODES, _WEIGHTS = RULES[GAUSS_LEGENDRE_ORDER]
_MEMORY_TAUS = 40.0  # how far back (in tau) the integral reaches
_PANELS_AT_ONCE = 1 << 18  # panels evaluated together (bounds the memory)
_CEILING_FINE, _CEILING_SPAN = 64.0, 1e6  # the ceiling's table: fine to start + 64, then geometric


def response_integral(
    kernel: Kernel,
    onset: FloatArray,
    width: FloatArray,
    tau: FloatArray,
    begin: FloatArray,
    end: FloatArray,
) -> FloatArray:
    """``J(begin, end)`` (see the module docstring), elementwise for broadcast arrays with
    ``begin <= end`` (``begin`` may be ``-inf``); 0 where the kernel does not act."""
    onset, width, tau, begin, end = np.broadcast_arrays(onset, width, tau, begin, end)
    rate = width / tau  # a
    y = (end - onset) / width
    low = np.maximum((begin - onset) / width, y - _MEMORY_TAUS / rate)
    low = np.clip(low, kernel.start, kernel.effective_stop)
    high = np.clip(y, kernel.start, kernel.effective_stop)
    flat = [array.ravel() for array in (low, high, y, rate)]
    total = np.zeros(flat[0].size)
    if kernel.start < 0 < kernel.effective_stop:  # the kink of a two-sided kernel at 0
        middle = np.clip(0.0, flat[0], flat[1])
        total += _integrate(kernel, flat[0], middle, flat[2], flat[3])
        flat[0] = middle
    total += _integrate(kernel, *flat)
    return (total * flat[3]).reshape(low.shape)


def _integrate(
    kernel: Kernel, low: FloatArray, high: FloatArray, y: FloatArray, rate: FloatArray
) -> FloatArray:
    """``integral of k(u) exp(-rate (y - u)) du`` over ``[low, high]`` (flat arrays), each
    on as many panels as it needs, all evaluated in one flat array of panels."""
    length = np.maximum(high - low, 0.0)
    longest = np.minimum(PANEL, 1.0 / rate)
    counts = np.where(length > 0, np.ceil(length / longest), 0).astype(np.int64)
    result = np.zeros(low.size)
    ends = np.cumsum(counts)
    first = 0
    while first < low.size:  # groups of whole integrals, about _PANELS_AT_ONCE panels each
        last = int(np.searchsorted(ends, ends[first] - counts[first] + _PANELS_AT_ONCE, "right"))
        last = max(last, first + 1)
        part = slice(first, last)
        result[part] = _panels(kernel, low[part], length[part], counts[part], y[part], rate[part])
        first = last
    return result


def _panels(
    kernel: Kernel,
    low: FloatArray,
    length: FloatArray,
    counts: NDArray[np.int64],
    y: FloatArray,
    rate: FloatArray,
) -> FloatArray:
    """The integrals of :func:`_integrate` for one group, ``counts`` equal panels each."""
    owner = np.repeat(np.arange(low.size), counts)
    if not owner.size:
        return np.zeros(low.size)
    index = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    half = 0.5 * (length / np.maximum(counts, 1))[owner]
    centre = low[owner] + (2 * index + 1) * half
    u = centre[:, None] + half[:, None] * _NODES
    values = kernel.shape(u) * np.exp(-rate[owner, None] * (y[owner, None] - u))
    sums = (values @ _WEIGHTS) * half
    return np.bincount(owner, weights=sums, minlength=low.size).astype(np.float64)


def ceiling(kernel: Kernel, s: FloatArray) -> FloatArray:
    """An upper bound of ``k`` on ``[s, inf)``, for each ``s``: the largest value of ``k``
    on a table of ``s`` (every 1e-3 up to 64 past the kernel's start, geometric beyond,
    up to 1e6 or the kernel's effective stop), plus 1e-3 of the largest ``|k|``. Beyond
    the table, the kernel is taken not to exceed its value at the table's end."""
    grid, bound = _ceiling_table(kernel)
    index = np.clip(np.searchsorted(grid, s, side="right") - 1, 0, grid.size - 1)
    return bound[index]


@functools.lru_cache(maxsize=64)
def _ceiling_table(kernel: Kernel) -> tuple[FloatArray, FloatArray]:
    """The table of :func:`ceiling`: its ``s`` and the bound from each ``s`` on."""
    top = min(kernel.effective_stop, kernel.start + _CEILING_SPAN)
    fine = np.linspace(0.0, _CEILING_FINE, 64_001)
    coarse = _CEILING_FINE * np.geomspace(1.0, _CEILING_SPAN / _CEILING_FINE, 8_001)[1:]
    grid = kernel.start + np.concatenate([fine, coarse])
    grid = np.append(grid[grid < top], top)
    values = kernel.shape(grid)
    suffix = np.maximum.accumulate(values[::-1])[::-1]
    return grid, suffix + 1e-3 * float(np.max(np.abs(values)))
