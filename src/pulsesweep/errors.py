"""Errors raised by pulsesweep for bad input and unwritable output.

Each is a :class:`PulsesweepError` whose message is one line that says what is wrong and
what to do; the command line and the Snakemake scripts print that line, not a traceback.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

__all__ = [
    "ConfigError",
    "InputError",
    "OutputError",
    "PulsesweepError",
    "SimulationFileError",
    "UsageError",
    "file_problem",
]


def one_line(text: object) -> str:
    """``text`` with every run of white space (newlines included) as one space."""
    return " ".join(str(text).split())


class PulsesweepError(Exception):
    """An error the user can fix; its message says how."""


class ConfigError(PulsesweepError, ValueError):
    """An invalid configuration value.

    Parameters
    ----------
    key
        Dotted path of the offending key, e.g. ``"network.n_neurons"``.
    value
        The value that was given.
    allowed
        What would have been accepted.
    """

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"invalid config: {key} = {value!r}; allowed: {allowed}")


class SimulationFileError(PulsesweepError, ValueError):
    """A simulation file that is missing, truncated or breaks the data contract.

    Parameters
    ----------
    problem
        What is wrong.
    path
        The file, if one file is to blame: the message then says to delete it or to
        make it again.
    """

    def __init__(self, problem: str, path: str | Path | None = None) -> None:
        self.problem, self.path = one_line(problem), path
        message = self.problem
        if path is not None:
            message = (
                f"{path}: {self.problem}; delete it, or make it again with "
                f"`snakemake --cores N --forcerun {path}`"
            )
        super().__init__(message)


class OutputError(PulsesweepError, OSError):
    """A result that cannot be written: a read-only, missing or full directory."""

    def __init__(self, path: str | Path, reason: object) -> None:
        self.path = Path(path)
        directory = self.path.parent
        try:
            free = f"{shutil.disk_usage(directory).free / 1e6:.0f} MB free there"
        except OSError:
            free = "its free space unknown"
        super().__init__(
            f"cannot write {self.path}: {one_line(reason)}; make sure {directory} "
            f"is writable and has room ({free}), then run again"
        )


class UsageError(PulsesweepError, ValueError):
    """A command line that asks for something impossible; the message says what instead."""


class InputError(PulsesweepError, ValueError):
    """An input file that is missing, unreadable or not what it should be.

    Parameters
    ----------
    path
        The file.
    problem
        What is wrong with it (``file_problem`` says it for an ``OSError``).
    remedy
        What to do about it.
    """

    def __init__(self, path: str | Path, problem: str, remedy: str) -> None:
        self.path, self.problem = Path(path), one_line(problem)
        super().__init__(f"{path}: {self.problem}; {one_line(remedy)}")


def file_problem(error: OSError) -> str:
    """What an ``OSError`` of opening a file says, in words: "no such file", "a directory,
    not a file", "permission denied", ..."""
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "a directory, not a file"
    if isinstance(error, PermissionError):
        return "permission denied"
    return one_line(error.strerror or error)
