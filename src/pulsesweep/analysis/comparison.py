"""Measurements against LIF theory: per-pulse residuals and the theory lines of figures.

The closed forms live in :mod:`pulsesweep.theory.lif`; this module applies them to a sweep:
to every pulse of ``responses.nc`` with its own neuron's parameters, and to the config's
mean neuron for the dashed "LIF theory" lines of the figures.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from pulsesweep import theory
from pulsesweep.analysis.thresholds import first_crossing
from pulsesweep.model.kernels import get_kernel
from pulsesweep.model.neuron import Neuron, capacitance, mean_neuron
from pulsesweep.model.neuron_model import LIF_MODEL
from pulsesweep.theory import limits

__all__ = [
    "add_theory",
    "charge_slope_theory",
    "prc_theory",
    "slow_pulse_theory",
    "threshold_theory",
]


def add_theory(
    responses: xr.Dataset, starmap: Callable[..., Iterable[NDArray[np.float64]]] | None = None
) -> xr.Dataset:
    """Add each pulse's theoretical spike advance and its residual (measured - theory).

    Theory is computed for usable pulses only, with the pulsed neuron's own parameters
    and the phase at which the pulse arrived, for every kernel (a config's own by
    quadrature), also for a pulse whose current begins cycles before the spike that
    opens its cycle (:func:`pulsesweep.theory.lif.spike_advance`); NaN elsewhere, where
    the neurons do not fire tonically, and for a model of ``models:`` (no theory).
    ``starmap`` computes the kernels side by side (a process pool's, with the function
    and the kernels' arguments); one after another in this process by default.
    """
    dims = ("kernel", "height", "width", "seed", "pulse")
    measured = responses["pulse_spike_advance"].transpose(*dims)
    if responses.attrs.get("neuron_model", LIF_MODEL) != LIF_MODEL:
        return _with_theory(responses, xr.full_like(measured, np.nan))

    def per_pulse(name: str) -> NDArray[np.float64]:
        values: NDArray[np.float64] = responses[f"neuron_{name}"].transpose("seed", "pulse").values
        return values

    rest = float(responses["v_rest"])  # the theory measures potentials from rest
    neuron: Neuron = {
        "tau": per_pulse("tau"),
        "resistance": per_pulse("resistance"),
        "bias_current": float(responses["bias_current"]),
        "v_threshold": per_pulse("v_threshold") - rest,
        "v_reset": per_pulse("v_reset") - rest,
        "refractory_period": float(responses["refractory_period"]),
    }
    phase = responses["pulse_phase"].transpose(*dims).values
    usable = responses["pulse_usable"].transpose(*dims).values.astype(bool)
    heights = responses["height"].values[:, None, None, None]
    widths = responses["width"].values[None, :, None, None]
    arguments = [
        (str(kernel), heights, widths, np.where(usable[index], phase[index], np.nan), neuron)
        for index, kernel in enumerate(responses["kernel"].values)
    ]
    kernels = (starmap or itertools.starmap)(theory.spike_advance, arguments)
    per_kernel = [np.broadcast_to(each, phase.shape[1:]) for each in kernels]
    advance = np.stack(per_kernel) if per_kernel else np.full(phase.shape, np.nan)
    return _with_theory(responses, xr.DataArray(advance, dims=dims))


def _with_theory(responses: xr.Dataset, predicted: xr.DataArray) -> xr.Dataset:
    """``responses`` with the theory's spike advance per pulse and the residual."""
    predicted = predicted.assign_attrs(units="s", long_name="LIF theory: advance of the next spike")
    residual = (responses["pulse_spike_advance"] - predicted).assign_attrs(
        units="s", long_name="measured minus theoretical spike advance"
    )
    return responses.assign(pulse_spike_advance_theory=predicted, pulse_theory_residual=residual)


def _horizon(config: Mapping[str, Any], kernel: str, width: Any, phase: Any) -> Any:
    """When the phase advance is read: the window's end, from the spike that opened the
    cycle at 0 (the pulse's onset is ``phase * T``; its window may open before that)."""
    period = theory.tonic_period(mean_neuron(config["network"]))
    start = phase * period + get_kernel(kernel).response_onset * width
    return start + config["analysis"]["window_ms"] * 1e-3


def prc_theory(
    config: Mapping[str, Any], kernel: str, height: float, width: float, phases: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The mean neuron's exact phase advance (cycles) at each onset phase, read at the end
    of the response window as the measurement is: extra spikes count one cycle each."""
    return np.asarray(
        theory.phase_shift(
            kernel,
            height,
            width,
            phases,
            mean_neuron(config["network"]),
            horizon=_horizon(config, kernel, width, phases),
        )
    )


def charge_slope_theory(config: Mapping[str, Any]) -> float:
    """The mean neuron's small-charge slope of the phase-averaged phase advance (cycles per
    coulomb; NaN where the neurons do not fire tonically)."""
    neuron = mean_neuron(config["network"])
    if not np.isfinite(theory.tonic_period(neuron)):
        return np.nan
    return float(limits.small_charge_slope(neuron, capacitance(config["network"])))


def slow_pulse_theory(
    config: Mapping[str, Any], kernel: str, heights: NDArray[np.float64], width: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Charge in the window and slow-pulse extra spikes of the mean neuron, per height."""
    window = config["analysis"]["window_ms"] * 1e-3
    heights = np.sort(np.asarray(heights, dtype=np.float64))
    extra = limits.slow_pulse_extra_spikes(
        kernel, heights, width, window, mean_neuron(config["network"])
    )
    charge = np.array([get_kernel(kernel).window_charge(h, width, window) for h in heights])
    return charge, np.asarray(extra)


_BISECTIONS = 5  # halvings of the grid's bracket (a factor 1.87) in the height search


def threshold_theory(
    config: Mapping[str, Any],
    kernel: str,
    widths: Sequence[float] | NDArray[np.float64],
    metric: str,
    value: float,
    largest: float,
) -> NDArray[np.float64]:
    """The mean neuron's height (A) that reaches the criterion, per width (NaN if none up
    to ``largest``).

    Tonic neurons: the height whose phase-averaged phase (or spike) advance reaches
    ``value``: the first crossing on a geometric grid of 12 heights up to ``largest``,
    then bisected (geometrically) inside that bracket and interpolated linearly at the
    end, to about 1e-5 of the height. Silent neurons (``R I0 <= Vt``), criterion
    ``extra_spikes``: the height that takes the neuron from rest to threshold,
    ``rheobase / max P`` (Lapicque's law for the box).
    """
    neuron, widths = mean_neuron(config["network"]), np.asarray(widths, dtype=np.float64)
    if metric == "extra_spikes":
        if np.isfinite(theory.tonic_period(neuron)):
            return np.full(widths.shape, np.nan)  # extra spikes of tonic neurons: no closed form
        rheobase = limits.rheobase_current(
            neuron["resistance"], neuron["bias_current"], neuron["v_threshold"]
        )
        peak = [_peak_response(kernel, width, float(np.asarray(neuron["tau"]))) for width in widths]
        heights = rheobase / np.asarray(peak)
        return np.where(heights <= largest, heights, np.nan)
    evaluate = functools.partial(_mean_advance, config, kernel, metric)
    grid = np.geomspace(largest * 1e-3, largest, 12)  # the advance grows with the height
    means = evaluate(np.broadcast_to(grid, (widths.size, grid.size)), widths)
    result = np.array([first_crossing(grid, row, value) for row in means])
    inside = np.flatnonzero(np.isfinite(result) & (result > grid[0]))
    if inside.size:
        result[inside] = _bisect(
            evaluate, grid, means[inside], result[inside], widths[inside], value
        )
    return result


_PHASES = (np.arange(32) + 0.5) / 32  # the phases the strength–duration advance averages


def _mean_advance(
    config: Mapping[str, Any],
    kernel: str,
    metric: str,
    heights: NDArray[np.float64],
    widths: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The mean neuron's advance at ``heights`` (a row per width), averaged over phases."""
    grid = (heights[:, :, None], widths[:, None, None], _PHASES)
    if metric == "phase_advance":
        horizon = _horizon(config, kernel, grid[1], _PHASES)
        advance = theory.phase_shift(kernel, *grid, mean_neuron(config["network"]), horizon=horizon)
    else:
        advance = theory.spike_advance(kernel, *grid, mean_neuron(config["network"]))
    return np.asarray(np.mean(advance, axis=-1))


def _bisect(
    evaluate: Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]],
    grid: NDArray[np.float64],
    means: NDArray[np.float64],
    first: NDArray[np.float64],
    widths: NDArray[np.float64],
    value: float,
) -> NDArray[np.float64]:
    """Each width's crossing inside the grid bracket of its first crossing ``first``
    (``means`` on the grid): geometric bisection, then linear interpolation."""
    upper = np.searchsorted(grid, first)  # the first grid height that reaches the value
    rows = np.arange(first.size)
    bracket = np.stack([grid[upper - 1], grid[upper]])
    reached = np.stack([means[rows, upper - 1], means[rows, upper]])
    for _ in range(_BISECTIONS):
        middle = np.sqrt(bracket[0] * bracket[1])
        advance = evaluate(middle[:, None], widths)[:, 0]
        above = advance >= value
        bracket = np.where(above, [bracket[0], middle], [middle, bracket[1]])
        reached = np.where(above, [reached[0], advance], [advance, reached[1]])
    fraction = (value - reached[0]) / (reached[1] - reached[0])
    return np.asarray(bracket[0] + fraction * (bracket[1] - bracket[0]))


def _peak_response(kernel: str, width: float, tau: float) -> float:
    """``max P(x)`` over the pulse and after it, on a fine grid."""
    shape = get_kernel(kernel)
    start = shape.start * width
    stop = min(shape.stop * width, 50 * max(width, tau)) + 10 * tau
    x = np.linspace(start, stop, 20_001)
    return float(np.max(theory.membrane_response(kernel, x, width, tau)))
