"""The response dataset (``responses.nc``) and its contract: per-pulse responses and their
means over (kernel, height, width, seed), each pulsed neuron's parameters, and the charge
per pulse.

Variables (SI units, with ``units`` and ``long_name``):

- ``(kernel, height, width, seed)``: the means over usable pulses of every metric of
  :data:`METRICS`; coordinate ``charge`` over (kernel, height, width);
- ``(kernel, height, width, seed, pulse)``: ``pulse_<metric>`` for every metric and for
  ``phase`` and ``control_period`` (:data:`PER_PULSE`), and ``pulse_usable``;
- ``(seed, pulse)``: ``neuron_<parameter>`` of each pulsed neuron (every per-neuron
  variable of the simulation files but ``train``), coordinates ``pulse_time`` and
  ``pulse_neuron``;
- scalars: the simulation files' parameters shared by every neuron (``bias_current``; for
  the LIF ``refractory_period`` and ``v_rest``, for a model of ``models:`` its shared
  parameters).

:func:`pulsesweep.analysis.comparison.add_theory` adds the theory of every pulse.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from pulsesweep.analysis.responses import PulseResponse
from pulsesweep.errors import SimulationFileError
from pulsesweep.model.kernels import get_kernel
from pulsesweep.outputs import provenance

__all__ = ["METRICS", "PER_PULSE", "ResponseGrid"]

#: The response metrics: units and long name.
METRICS = {
    "extra_spikes": ("1", "extra spikes in the response window"),
    "rate_change": ("Hz", "firing rate change in the response window"),
    "first_spike_latency": (
        "s",
        "latency of the first spike in the window, from the pulse's start",
    ),
    "spike_advance": ("s", "advance of the next spike against the control"),
    "phase_advance": ("1", "phase advance against the control (cycles)"),
}
#: What the simulation files hold per neuron, or as a scalar, that is not a parameter.
_NOT_PARAMETERS = ("train", "dt", "duration")
#: The per-pulse variables (``pulse_<name>``): units and long name.
PER_PULSE = {
    **{name: (units, f"{long_name}, per pulse") for name, (units, long_name) in METRICS.items()},
    "phase": ("1", "phase of the control neuron when the pulse arrived (cycles)"),
    "control_period": ("s", "firing period of the pulsed neuron in the control"),
}
_DIMS = ("kernel", "height", "width", "seed")


class ResponseGrid:
    """Per-pulse arrays over (kernel, height, width, seed, pulse), filled point by point."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        sweep = config["sweep"]
        self.kernels = list(sweep["kernels"])
        self.heights = [h * 1e-9 for h in sweep["heights_nA"]]
        self.widths = [w * 1e-3 for w in sweep["widths_ms"]]
        self.seeds = list(config["simulation"]["seeds"])
        self.values: dict[str, np.ndarray] = {}
        self.filled = np.zeros(
            (len(self.kernels), len(self.heights), len(self.widths), len(self.seeds)), dtype=bool
        )
        self.pulse_time: dict[int, np.ndarray] = {}
        self.pulse_neuron: dict[int, np.ndarray] = {}
        self.neurons: dict[int, dict[str, np.ndarray]] = {}
        self.neuron_attrs: dict[str, dict[str, Any]] = {}
        self.constants: dict[str, tuple[float, dict[str, Any]]] = {}

    def _store(self, index: tuple[int, int, int, int], values: Mapping[str, np.ndarray]) -> None:
        if not self.values:
            shape = (*self.filled.shape, len(values["usable"]))
            self.values = {name: np.full(shape, np.nan) for name in PulseResponse.names()}
        for name in PulseResponse.names():
            self.values[name][index] = values[name]
        self.filled[index] = True

    def fill(self, point: Mapping[str, Any], responses: Mapping[str, np.ndarray]) -> None:
        """The per-pulse responses of one pulsed point (its grid values in SI units)."""
        kernel, height, width, seed = (
            _find(values, point[axis])
            for values, axis in zip(
                (self.kernels, self.heights, self.widths, self.seeds), _DIMS, strict=True
            )
        )
        self._store((kernel, height, width, seed), responses)

    def fill_control(
        self,
        seed: int,
        responses: Mapping[str, np.ndarray],
        schedule: tuple[np.ndarray, np.ndarray],
        pulsed: xr.Dataset,
        began: Callable[[str, float], np.ndarray],
    ) -> None:
        """The schedule of ``seed``, its pulsed neurons (``pulsed``: the control's values
        at each pulse's neuron), and its height-0 responses for every kernel and width,
        usable where also ``began(kernel, width)`` (the pulse's current begins while the
        neuron fires: :func:`~pulsesweep.analysis.responses.began_while_firing`)."""
        self.pulse_time[seed], self.pulse_neuron[seed] = schedule
        parameters = [
            str(name)
            for name, variable in pulsed.data_vars.items()
            if name not in _NOT_PARAMETERS and variable.dims in (("neuron",), ())
        ]
        per_neuron = [name for name in parameters if pulsed[name].dims == ("neuron",)]
        self.neurons[seed] = {name: pulsed[name].values for name in per_neuron}
        self.neuron_attrs = {name: dict(pulsed[name].attrs) for name in per_neuron}
        self.constants = {
            name: (float(pulsed[name]), dict(pulsed[name].attrs))
            for name in parameters
            if pulsed[name].dims == ()
        }
        if 0.0 not in self.heights:
            return
        for kernel, width in np.ndindex(len(self.kernels), len(self.widths)):
            usable = responses["usable"] & began(self.kernels[kernel], self.widths[width])
            self._store(
                (kernel, self.heights.index(0.0), width, _find(self.seeds, seed)),
                {**responses, "usable": usable},
            )

    def dataset(self, config: Mapping[str, Any]) -> xr.Dataset:
        """The response dataset (see the module docstring); every point must be filled."""
        if not self.filled.all():
            missing = np.argwhere(~self.filled)[0]
            raise SimulationFileError(
                f"no simulation covers kernel={self.kernels[missing[0]]}, "
                f"height={self.heights[missing[1]]} A, width={self.widths[missing[2]]} s, "
                f"seed={self.seeds[missing[3]]}"
            )
        return _response_dataset(self, config)


def _find(values: Sequence[Any], value: Any) -> int:
    """Where a file's grid value sits on the config's axis (floats to 1e-12)."""
    exact = _positions(tuple(values)).get(value)
    if exact is not None:
        return exact
    for index, candidate in enumerate(values):
        if candidate == value or (
            isinstance(value, float) and abs(candidate - value) <= 1e-12 * abs(value)
        ):
            return index
    raise SimulationFileError(f"grid value {value!r} is not in the config's sweep")


@functools.lru_cache(maxsize=16)
def _positions(values: tuple[Any, ...]) -> dict[Any, int]:
    """Each value of an axis by its position (the first, for a repeated value)."""
    return {value: index for index, value in reversed(list(enumerate(values)))}


def _per_pulse_variables(grid: ResponseGrid) -> dict[str, Any]:
    """Each pulse's responses and whether it is usable, and the means over usable pulses."""
    usable = grid.values["usable"].astype(bool)
    data: dict[str, Any] = {
        f"pulse_{name}": ((*_DIMS, "pulse"), grid.values[name], {"units": u, "long_name": n})
        for name, (u, n) in PER_PULSE.items()
    }
    data["pulse_usable"] = (
        (*_DIMS, "pulse"),
        usable,
        {
            "long_name": "first pulse on its neuron, begun while it fired, with its window "
            "inside the run"
        },
    )
    for name, (units, long_name) in METRICS.items():
        values = grid.values[name]
        counted = usable & np.isfinite(values)
        total = np.where(counted, values, 0.0).sum(axis=-1)
        count = counted.sum(axis=-1)  # NaN where no usable pulse has a value
        mean = np.divide(total, count, out=np.full(total.shape, np.nan), where=count > 0)
        data[name] = (_DIMS, mean, {"units": units, "long_name": f"mean {long_name}"})
    return data


def _neuron_variables(grid: ResponseGrid) -> dict[str, Any]:
    """Each pulsed neuron's parameters, and the parameters every neuron shares."""
    data: dict[str, Any] = {}
    for name, attrs in grid.neuron_attrs.items():
        long_name = f"{attrs.get('long_name', name)}, of the pulsed neuron"
        values = np.stack([grid.neurons[s][name] for s in grid.seeds])
        data[f"neuron_{name}"] = (("seed", "pulse"), values, {**attrs, "long_name": long_name})
    for name, (value, attrs) in grid.constants.items():
        data[name] = ((), value, attrs)
    return data


def _coordinates(grid: ResponseGrid, window: float) -> dict[str, Any]:
    charge = [
        [[get_kernel(k).window_charge(h, w, window) for w in grid.widths] for h in grid.heights]
        for k in grid.kernels
    ]
    return {
        "kernel": ("kernel", grid.kernels, {"long_name": "pulse kernel"}),
        "height": ("height", grid.heights, {"units": "A", "long_name": "pulse height"}),
        "width": ("width", grid.widths, {"units": "s", "long_name": "pulse width"}),
        "seed": ("seed", grid.seeds, {"long_name": "random seed"}),
        "charge": (
            _DIMS[:3],
            np.array(charge),
            {"units": "C", "long_name": "charge per pulse delivered in the response window"},
        ),
        "pulse_time": (
            ("seed", "pulse"),
            np.stack([grid.pulse_time[s] for s in grid.seeds]),
            {"units": "s", "long_name": "pulse onset"},
        ),
        "pulse_neuron": (
            ("seed", "pulse"),
            np.stack([grid.pulse_neuron[s] for s in grid.seeds]),
            {"units": "1", "long_name": "index of the pulsed neuron"},
        ),
    }


def _response_dataset(grid: ResponseGrid, config: Mapping[str, Any]) -> xr.Dataset:
    window = config["analysis"]["window_ms"] * 1e-3
    attrs = {
        "title": "pulsesweep responses to current pulses, against paired controls",
        **provenance(config),
        "neuron_model": config["network"]["model"],
        "window": window,
    }
    data = _per_pulse_variables(grid) | _neuron_variables(grid)
    return xr.Dataset(data, coords=_coordinates(grid, window), attrs=attrs)
