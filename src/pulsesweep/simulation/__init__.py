"""Simulation: one job's grid points in one network, run by a compiled build
(``cpp_standalone``) or by Brian2's runtime targets, each distinct neuron once; the netCDF
simulation file, its contract and its reader; the per-kernel example traces.

Brian2's objects (:mod:`pulsesweep.simulation.brian_network`) are not re-exported here: a
simulation job imports Brian2 only when it runs a Brian2 runtime target.
"""

from __future__ import annotations

from pulsesweep.simulation import builds as _builds
from pulsesweep.simulation import distinct as _distinct
from pulsesweep.simulation import examples as _examples
from pulsesweep.simulation import file_format as _file_format
from pulsesweep.simulation import job as _job
from pulsesweep.simulation import reader as _reader
from pulsesweep.simulation import spikes as _spikes
from pulsesweep.simulation import standalone as _standalone
from pulsesweep.simulation.builds import *  # noqa: F403
from pulsesweep.simulation.distinct import *  # noqa: F403
from pulsesweep.simulation.examples import *  # noqa: F403
from pulsesweep.simulation.file_format import *  # noqa: F403
from pulsesweep.simulation.job import *  # noqa: F403
from pulsesweep.simulation.reader import *  # noqa: F403
from pulsesweep.simulation.spikes import *  # noqa: F403
from pulsesweep.simulation.standalone import *  # noqa: F403

__all__ = [
    *_builds.__all__,
    *_standalone.__all__,
    *_distinct.__all__,
    *_spikes.__all__,
    *_file_format.__all__,
    *_reader.__all__,
    *_job.__all__,
    *_examples.__all__,
]
