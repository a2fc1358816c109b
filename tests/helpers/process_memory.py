"""The peak memory of a command and its children, as schedulers count it.

Used by the tests (the jobs' memory estimates against measured peaks, through
:func:`simulate_job_peak`) and by ``benchmarks/scale.py``. Needs ``psutil`` (the
``test`` extra), imported when called.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "PeakMemory",
    "peak_tree_memory",
    "same_address_space",
    "simulate_command",
    "simulate_job_peak",
]


@dataclass(frozen=True)
class PeakMemory:
    """What :func:`peak_tree_memory` measured: wall time (s), peak (MB), stderr, and
    the processes that made the peak (each one's MB and command line), for messages."""

    wall: float
    peak_mb: float
    stderr: str
    at_peak: tuple[tuple[float, str], ...] = ()

    def __str__(self) -> str:
        parts = "; ".join(f"{mb:.0f} MB {command}" for mb, command in self.at_peak)
        return f"peak {self.peak_mb:.0f} MB after {self.wall:.1f} s ({parts})"


def peak_tree_memory(
    command: Sequence[str], env: Mapping[str, str] | None = None, interval: float = 0.005
) -> PeakMemory:
    """Run ``command``; sample the memory of it and its children together every
    ``interval`` s, as a cluster's cgroup counts it: the resident size of each process
    that runs a program of its own, and of a forked copy of its parent (a worker, or a
    child that has not yet called ``exec``) only the pages it holds alone (its USS), since
    it shares the rest with its parent. (Snakemake's ``max_rss`` counts such a copy twice;
    a sum of proportional sizes would depend on what else the machine runs.)

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
        tree, peak, at_peak = psutil.Process(process.pid), 0, ()
        while process.poll() is None:
            with contextlib.suppress(psutil.Error):
                members = [(tree.memory_info().rss, tree)]
                members += [(_own_memory(child), child) for child in tree.children(True)]
                total = sum(size for size, _ in members)
                if total > peak:
                    peak, at_peak = total, tuple(_described(*member) for member in members)
            time.sleep(interval)
        stderr.seek(0)
        log = stderr.read()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{log}")
    return PeakMemory(time.perf_counter() - started, peak / 1e6, log, at_peak)


def simulate_command(config_file: Path, *arguments: str) -> list[str]:
    """`pulsesweep simulate` of a config file, in a fresh Python process."""
    return [
        sys.executable,
        "-m",
        "pulsesweep",
        "-q",
        "simulate",
        "--config",
        str(config_file),
        *arguments,
    ]


def simulate_job_peak(overrides: Mapping[str, Any], directory: Path) -> PeakMemory:
    """The peak of ``pulsesweep simulate`` of the config ``overrides`` (every point, with
    its controls), in a fresh process, its build compiled by a run before into a cache
    of its own in ``directory``."""
    import yaml

    config_file = directory / "config.yaml"
    config_file.write_text(yaml.safe_dump(dict(overrides)))
    command = simulate_command(config_file, "--controls", "--output")
    environment = {**os.environ, "PULSESWEEP_BUILD_CACHE": str(directory / "cache")}
    warm = [*command, str(directory / "warm.nc")]
    subprocess.run(warm, env=environment, check=True, stdout=subprocess.DEVNULL)
    return peak_tree_memory([*command, str(directory / "job.nc")], environment)


def _own_memory(process: Any) -> int:
    """The bytes a child ``process`` adds to its tree: its resident size, or its unique
    size if it is a fork running its parent's command line, or nothing while it shares
    its parent's address space (``vfork``, as :mod:`subprocess` starts a program, until
    the ``exec``: its counters are its parent's, and its unique size would be)."""
    parent = process.parent()
    if parent is None or process.cmdline() != parent.cmdline():
        return int(process.memory_info().rss)
    shared = same_address_space(process.pid, parent.pid)
    if shared is None:  # no kcmp: the counters of one address space are the same
        shared = process.memory_info() == parent.memory_info()
    return 0 if shared else int(process.memory_full_info().uss)


#: Linux's ``kcmp`` system call, by machine, and its comparison of address spaces.
_KCMP = {"x86_64": 312, "aarch64": 272}
_KCMP_VM = 1


def same_address_space(first: int, second: int) -> bool | None:
    """Whether two processes share one address space (Linux's ``kcmp``), or ``None``
    where it cannot tell (another machine or system, a sandbox that forbids it, or a
    process that has ended)."""
    number = _KCMP.get(platform.machine())
    if number is None or sys.platform != "linux":
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.syscall(number, first, second, _KCMP_VM, 0, 0)
    return None if result < 0 else result == 0


def _described(size: int, process: Any) -> tuple[float, str]:
    """A process's share of a peak (MB) and its command line, shortened."""
    import psutil

    try:
        command = " ".join(process.cmdline())
    except psutil.Error:  # it ended since it was measured
        command = f"pid {process.pid}"
    command = " ".join(command.split())
    return size / 1e6, command if len(command) <= 120 else command[:117] + "..."
