"""Figures: the registry of every figure by name, the shared style, the response and theory
figures, and the drawing of a rule's figures into files.

The registry is imported without matplotlib (the Snakefile reads it at every parse); the
drawing functions are imported when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulsesweep.figures import registry
from pulsesweep.figures.registry import *  # noqa: F403

if TYPE_CHECKING:
    from pulsesweep.figures.drawing import save_figure, write_figures

__all__ = [*registry.__all__, "save_figure", "write_figures"]


def __getattr__(name: str) -> object:
    if name in ("save_figure", "write_figures"):
        from pulsesweep.figures import drawing

        return getattr(drawing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
