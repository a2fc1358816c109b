"""Simulation: one job's grid points in one network, run by a compiled build
(``cpp_standalone``) or by Brian2's runtime targets, each distinct neuron once; the netCDF
simulation file, its contract, its spike times' compression and its reader; the
per-kernel example traces.

Brian2's objects (:mod:`pulsesweep.simulation.brian_network`) are not re-exported here: a
simulation job imports Brian2 only when it runs a Brian2 runtime target.
Its names are imported when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulsesweep._lazy import lazy_exports

if TYPE_CHECKING:
    from pulsesweep.simulation.builds import *  # noqa: F403
    from pulsesweep.simulation.deflate import *  # noqa: F403
    from pulsesweep.simulation.distinct import *  # noqa: F403
    from pulsesweep.simulation.examples import *  # noqa: F403
    from pulsesweep.simulation.file_format import *  # noqa: F403
    from pulsesweep.simulation.job import *  # noqa: F403
    from pulsesweep.simulation.reader import *  # noqa: F403
    from pulsesweep.simulation.shapes import *  # noqa: F403
    from pulsesweep.simulation.spikes import *  # noqa: F403
    from pulsesweep.simulation.standalone import *  # noqa: F403

#: The modules whose public names this subpackage re-exports, in order.
_MODULES = (
    "shapes",
    "builds",
    "standalone",
    "distinct",
    "spikes",
    "deflate",
    "file_format",
    "reader",
    "job",
    "examples",
)
__getattr__, __dir__ = lazy_exports(__name__, _MODULES)
