"""The peak memory of a command and its children, as schedulers count it.

Used by the tests (the jobs' memory estimates against measured peaks) and by
``benchmarks/scale.py``. Needs ``psutil`` (the ``test`` extra), imported when called.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["PeakMemory", "peak_tree_memory"]


@dataclass(frozen=True)
class PeakMemory:
    """What :func:`peak_tree_memory` measured: wall time (s), peak (MB) and stderr."""

    wall: float
    peak_mb: float
    stderr: str


def peak_tree_memory(
    command: Sequence[str], env: Mapping[str, str] | None = None, interval: float = 0.005
) -> PeakMemory:
    """Run ``command``; sample the resident memory of it and its children together every
    ``interval`` s, as Snakemake's benchmark files and cluster schedulers count it.

    Raises
    ------
    RuntimeError
        If the command fails (with its stderr).
    """
    import psutil

    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(
            list(command),
            env=None if env is None else dict(env),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        tree, peak = psutil.Process(process.pid), 0
        while process.poll() is None:
            with contextlib.suppress(psutil.Error):
                members = [tree, *tree.children(recursive=True)]
                peak = max(peak, sum(member.memory_info().rss for member in members))
            time.sleep(interval)
        stderr.seek(0)
        log = stderr.read()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{log}")
    return PeakMemory(time.perf_counter() - started, peak / 1e6, log)
