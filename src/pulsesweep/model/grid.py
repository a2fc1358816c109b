"""Grid points: one (kernel, height, width, seed) combination of the sweep."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from pulsesweep.errors import ConfigError

__all__ = ["GridPoint", "grid_points"]


class GridPoint(NamedTuple):
    """One simulated condition, in SI units: height in A, width in s."""

    kernel: str
    height: float
    width: float
    seed: int


def grid_points(
    config: Mapping[str, Any],
    kernels: Iterable[str] | None = None,
    heights_nA: Iterable[float] | None = None,
    widths_ms: Iterable[float] | None = None,
    seeds: Iterable[int] | None = None,
    controls: bool = False,
) -> list[GridPoint]:
    """The Cartesian product of the given axes, each defaulting to the whole config axis.

    Heights are given in nA and widths in ms, as in the config; the points are in SI.
    With ``controls``, each seed without a height-0 point gets one (its unpulsed
    control, with the first kernel and width), after the product.
    A selection must come from the config's axes (height 0, the control, always may),
    so that the config stored with the results describes them.

    Raises
    ------
    ConfigError
        If a selected value is not on the config's axis.
    """
    sweep = config["sweep"]
    axes: Sequence[list[Any]] = (
        _select("sweep.kernels", sweep["kernels"], kernels, str),
        _select("sweep.heights_nA", sweep["heights_nA"], heights_nA, float, also=(0.0,)),
        _select("sweep.widths_ms", sweep["widths_ms"], widths_ms, float),
        _select("simulation.seeds", config["simulation"]["seeds"], seeds, int),
    )
    points = [
        GridPoint(kernel=str(k), height=float(h) * 1e-9, width=float(w) * 1e-3, seed=int(s))
        for k, h, w, s in itertools.product(*axes)
    ]
    if controls:
        have = {p.seed for p in points if p.height == 0}
        points += [
            GridPoint(axes[0][0], 0.0, float(axes[2][0]) * 1e-3, int(seed))
            for seed in axes[3]
            if int(seed) not in have
        ]
    return points


def _select(
    key: str,
    axis: Sequence[Any],
    selection: Iterable[Any] | None,
    kind: type,
    also: Iterable[Any] = (),
) -> list[Any]:
    """``selection`` (all of ``axis`` if None), each value checked against ``axis``."""
    if selection is None:
        return list(axis)
    chosen = [kind(value) for value in selection]
    allowed = {kind(value) for value in (*axis, *also)}
    for value in chosen:
        if value not in allowed:
            raise ConfigError(
                key, value, "a value of the config's axis: " + ", ".join(str(v) for v in axis)
            )
    return chosen
