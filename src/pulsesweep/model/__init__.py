"""The model, in numbers and without Brian2: pulse kernels, the LIF neuron and its
heterogeneous population, pulse schedules, the pulse current on the time grid, the grid of
the sweep, the run and the equations Brian2 integrates.
"""

from __future__ import annotations

from pulsesweep.model import equations as _equations
from pulsesweep.model import grid as _grid
from pulsesweep.model import kernels as _kernels
from pulsesweep.model import neuron as _neuron
from pulsesweep.model import population as _population
from pulsesweep.model import run as _run
from pulsesweep.model import schedule as _schedule
from pulsesweep.model import stimulus as _stimulus
from pulsesweep.model.equations import *  # noqa: F403
from pulsesweep.model.grid import *  # noqa: F403
from pulsesweep.model.kernels import *  # noqa: F403
from pulsesweep.model.neuron import *  # noqa: F403
from pulsesweep.model.population import *  # noqa: F403
from pulsesweep.model.run import *  # noqa: F403
from pulsesweep.model.schedule import *  # noqa: F403
from pulsesweep.model.stimulus import *  # noqa: F403

__all__ = [
    *_run.__all__,
    *_kernels.__all__,
    *_neuron.__all__,
    *_population.__all__,
    *_schedule.__all__,
    *_stimulus.__all__,
    *_grid.__all__,
    *_equations.__all__,
]
