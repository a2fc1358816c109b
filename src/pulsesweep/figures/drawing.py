"""Drawing a rule's figures into files: each figure of the registry
(:mod:`pulsesweep.figures.registry`) from its source, in every configured format,
atomically.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import seaborn as sns
import xarray as xr
from matplotlib.figure import Figure

from pulsesweep.analysis.theory_curves import theory_curves
from pulsesweep.config.resolution import resolve_config
from pulsesweep.figures.registry import FIGURES, figure_entry
from pulsesweep.outputs import atomic_output, load_netcdf

__all__ = ["save_figure", "write_figures"]

logger = logging.getLogger(__name__)

_METADATA = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}


def save_figure(figure: Figure, stem: str | Path, formats: Sequence[str]) -> list[Path]:
    """Write ``figure`` as ``stem.<format>`` for each format, atomically, then close it.

    SVG keeps its text as text, so labels stay editable in a vector editor. The layout is
    computed for the first format and kept for the others (constrained layout would
    otherwise measure every label again for each).
    """
    paths = []
    for number, extension in enumerate(formats):
        if number == 1 and figure.get_layout_engine() is not None:
            figure.set_layout_engine("none")
        path = Path(f"{stem}.{extension}")
        # SVG text stays text (editable labels); a fixed salt for SVG element ids makes SVG
        # files byte-for-byte reproducible (matplotlib salts them at random per process).
        with (
            atomic_output(path) as partial,
            plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "pulsesweep"}),
        ):
            figure.savefig(partial, dpi=200, metadata=_METADATA.get(extension))
        paths.append(path)
    plt.close(figure)
    return paths


def write_figures(
    config: Mapping[str, Any],
    source: str | Path,
    names: Sequence[str],
    directory: str | Path,
    processes: int = 1,
    theory: str | Path | None = None,
) -> list[Path]:
    """Draw figures ``names`` from ``source`` into ``directory``, in every configured format.

    The source is ``examples.nc`` for ``example_traces``, ``responses.nc`` for the others
    (:data:`~pulsesweep.figures.registry.FIGURES`), so one call draws from one of the
    two. The theory lines come from ``theory`` (``theory_curves.nc``, see
    :mod:`pulsesweep.analysis.theory_curves`), computed here if it is not given. Each
    figure opens the source for itself and reads what it draws. With ``processes > 1``
    the figures are drawn by that many forked workers, which share the imports; each
    figure is the same as drawn alone.
    """
    if isinstance(names, str):
        raise TypeError(f"names must be a list of figure names, not the string {names!r}")
    entries = [figure_entry(name) for name in names]
    steps = {entry.step for entry in entries}
    if len(steps) != 1:
        raise ValueError(
            "example_traces comes from examples.nc, the other figures from "
            "responses.nc: draw them in separate calls"
        )
    config = resolve_config(config)
    with _open(source):  # a missing or damaged file fails here, in one line
        pass
    logger.info("drawing %d figure(s) from %s, %d at a time", len(names), source, processes)
    curves = None
    if any(entry.theory for entry in entries):
        curves = _load(theory) if theory else theory_curves(config)
    draw = functools.partial(_draw, Path(source), curves, steps.pop().view(config), Path(directory))
    if processes <= 1 or len(names) <= 1:
        return [path for name in names for path in draw(name)]
    context = multiprocessing.get_context("fork")
    slowest_first = [name for name in FIGURES if name in names]  # the workers end together
    with ProcessPoolExecutor(min(processes, len(names)), mp_context=context) as pool:
        drawn = dict(zip(slowest_first, pool.map(draw, slowest_first), strict=True))
    return [path for name in names for path in drawn[name]]


_MADE_BY = "`snakemake --cores N` (or `pulsesweep --help`)"


def _load(path: str | Path) -> xr.Dataset:
    return load_netcdf(path, _MADE_BY)


def _open(path: str | Path) -> xr.Dataset:
    return load_netcdf(path, _MADE_BY, lazily=True)


def _draw(
    source: Path,
    curves: xr.Dataset | None,
    config: Mapping[str, Any],
    directory: Path,
    name: str,
) -> list[Path]:
    """Draw ``name`` from ``source``, opened here (in the worker) and read lazily: a
    figure loads only the variables it draws, and no worker holds the whole file."""
    started = time.perf_counter()
    draw = figure_entry(name).draw_function()
    with _open(source) as dataset, sns.axes_style("ticks"):
        if curves is not None:
            dataset = xr.merge([dataset, curves], join="exact", combine_attrs="override")
        figure = draw(dataset, config)
    paths = save_figure(figure, directory / name, config["figures"]["formats"])
    logger.info("drew %s in %.1f s", name, time.perf_counter() - started)
    return paths
