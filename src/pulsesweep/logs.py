"""Logging: everything a workflow job says goes to its Snakemake log file; the command
line says it on the terminal."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pulsesweep.errors import PulsesweepError

__all__ = [
    "PROGRESS_LINE",
    "PROGRESS_PERIOD",
    "PROGRESS_VARIABLE",
    "log_progress",
    "log_to_file",
    "log_to_stderr",
]

#: How often a simulation logs its progress (s of wall time): Brian2's runtime targets
#: and the compiled binary alike.
PROGRESS_PERIOD = 10.0
#: The environment variable that sets the compiled binary's period instead (s).
PROGRESS_VARIABLE = "PULSESWEEP_PROGRESS_PERIOD"
#: How the compiled binary's progress lines begin on its standard output (then the
#: simulated and the elapsed time, s).
PROGRESS_LINE = "pulsesweep-progress"


@contextlib.contextmanager
def log_to_file(path: str | Path) -> Iterator[logging.Logger]:
    """Send pulsesweep's log records (INFO and up) to ``path`` while the block runs.

    An exception that escapes the block is logged with its traceback before it
    propagates, so the log file says why a job failed. A
    :class:`~pulsesweep.errors.PulsesweepError` (bad input or unwritable output, which
    the user fixes) is logged and printed as its one-line message instead, and the job
    exits with status 1.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w")
    handler.setFormatter(logging.Formatter(_FORMAT))
    logger = logging.getLogger("pulsesweep")
    logger.addHandler(handler)
    previous_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield logger
    except PulsesweepError as error:
        logger.error("%s", error)
        print(f"pulsesweep: error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    except BaseException:
        logger.exception("job failed")
        raise
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
        handler.close()


_FORMAT = "%(asctime)s %(name)s %(levelname)s: %(message)s"


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler that writes to whatever ``sys.stderr`` is when it writes."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(_FORMAT))

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:  # StreamHandler sets it; sys.stderr wins
        pass


def log_to_stderr(quiet: bool = False) -> None:
    """Send pulsesweep's log records to standard error: INFO and up, or only warnings if
    ``quiet``. Once per process; later calls change the level only."""
    logger = logging.getLogger("pulsesweep")
    if not any(isinstance(handler, _Stderr) for handler in logger.handlers):
        logger.addHandler(_Stderr())
    logger.setLevel(logging.WARNING if quiet else logging.INFO)


def log_progress(
    logger: logging.Logger, completed: float, duration: float, elapsed: float, neuron_steps: int
) -> None:
    """Log a simulation's progress: the fraction of its ``duration`` (s of simulated time)
    done after ``elapsed`` seconds of wall time, its rate in neuron-steps per second (of
    ``neuron_steps`` in all) and the time left at that rate."""
    if completed <= 0 or elapsed <= 0:
        logger.info("simulation started (%g s to simulate)", duration)
        return
    logger.info(
        "simulation %.0f%% done (%.3g s of %g s simulated in %.1f s, %.3g neuron-steps/s, "
        "about %.0f s left)",
        100 * completed,
        completed * duration,
        duration,
        elapsed,
        completed * neuron_steps / elapsed,
        elapsed * (1 - completed) / completed,
    )
