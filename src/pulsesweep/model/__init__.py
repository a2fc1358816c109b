"""The model, in numbers and without Brian2 (but for reading a model of ``models:``):
pulse kernels, the LIF neuron and a model of ``models:`` with their heterogeneous
populations, pulse schedules, the pulse current on the time grid, the grid of
the sweep, the run and the equations Brian2 integrates.

Its names are imported when first used: the Snakefile plans a sweep from the grid, the
run and the kernel registry without importing numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulsesweep._lazy import lazy_exports

if TYPE_CHECKING:
    from pulsesweep.model.equations import *  # noqa: F403
    from pulsesweep.model.grid import *  # noqa: F403
    from pulsesweep.model.kernels import *  # noqa: F403
    from pulsesweep.model.model_checks import *  # noqa: F403
    from pulsesweep.model.neuron import *  # noqa: F403
    from pulsesweep.model.neuron_model import *  # noqa: F403
    from pulsesweep.model.population import *  # noqa: F403
    from pulsesweep.model.run import *  # noqa: F403
    from pulsesweep.model.schedule import *  # noqa: F403
    from pulsesweep.model.stimulus import *  # noqa: F403

#: The modules whose public names this subpackage re-exports, in order.
_MODULES = (
    "run",
    "kernels",
    "neuron",
    "neuron_model",
    "model_checks",
    "population",
    "schedule",
    "stimulus",
    "grid",
    "equations",
)
__getattr__, __dir__ = lazy_exports(__name__, _MODULES)
