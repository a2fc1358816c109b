"""Analysis: every pulse measured against its paired control, aggregated over the sweep,
strength–duration thresholds, measurement against LIF theory and the theory curves of a
config.
"""

from __future__ import annotations

from pulsesweep.analysis import aggregate as _aggregate
from pulsesweep.analysis import comparison as _comparison
from pulsesweep.analysis import response_file as _response_file
from pulsesweep.analysis import responses as _responses
from pulsesweep.analysis import theory_curves as _theory_curves
from pulsesweep.analysis import thresholds as _thresholds
from pulsesweep.analysis.aggregate import *  # noqa: F403
from pulsesweep.analysis.comparison import *  # noqa: F403
from pulsesweep.analysis.response_file import *  # noqa: F403
from pulsesweep.analysis.responses import *  # noqa: F403
from pulsesweep.analysis.theory_curves import *  # noqa: F403
from pulsesweep.analysis.thresholds import *  # noqa: F403

__all__ = [
    *_responses.__all__,
    *_response_file.__all__,
    *_thresholds.__all__,
    *_comparison.__all__,
    *_theory_curves.__all__,
    *_aggregate.__all__,
]
