"""Logging for workflow jobs: everything a job says goes to its Snakemake log file."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from pulsesweep.errors import PulsesweepError

__all__ = ["log_to_file"]


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
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
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
