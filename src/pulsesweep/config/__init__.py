"""The configuration: the JSON schema with every key's description and default, its
resolution into a complete, checked config, and the config keys each workflow step reads.
"""

from __future__ import annotations

from pulsesweep.config import checks as _checks
from pulsesweep.config import resolution as _resolution
from pulsesweep.config import steps as _steps
from pulsesweep.config.checks import *  # noqa: F403
from pulsesweep.config.resolution import *  # noqa: F403
from pulsesweep.config.steps import *  # noqa: F403

__all__ = [
    *_resolution.__all__,
    *_checks.__all__,
    *_steps.__all__,
]
