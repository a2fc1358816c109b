"""Closed-form LIF theory, vectorised with numpy and scipy (no simulation): the membrane's
response to a pulse, the spike and phase advance it causes, and the limits of small charges,
slow pulses and the strength–duration law.
"""

from __future__ import annotations

from pulsesweep.theory import lif as _lif
from pulsesweep.theory import limits as _limits
from pulsesweep.theory.lif import *  # noqa: F403
from pulsesweep.theory.limits import *  # noqa: F403

__all__ = [
    *_lif.__all__,
    *_limits.__all__,
]
