"""Atomic output: a file appears under its final name only once it is complete."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

from pulsesweep.errors import OutputError

__all__ = ["atomic_output", "remove_abandoned_partials"]


def _host() -> str:
    """This machine's name, with nothing but letters, digits and dashes."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())


def _partial_name(path: Path) -> str:
    """``.<stem>.<host>.<pid>.<random>.partial<suffix>``: who is writing it, and where."""
    return f".{path.stem}.{_host()}.{os.getpid()}.{uuid.uuid4().hex}.partial{path.suffix}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_abandoned_partials(path: str | Path) -> list[Path]:
    """Delete temporary files of ``path`` left by writers on this host that were killed.

    Only files whose writer ran on this host and whose process no longer exists are
    removed: a write in progress, here or on another node of a shared file system, is
    never touched. Returns the files removed.
    """
    path = Path(path)
    pattern = re.compile(
        rf"\.{re.escape(path.stem)}\.{re.escape(_host())}\.(\d+)\.[0-9a-f]{{32}}\.partial"
        rf"{re.escape(path.suffix)}"
    )
    removed = []
    with contextlib.suppress(OSError):
        for candidate in path.parent.iterdir():
            match = pattern.fullmatch(candidate.name)
            if match and not _alive(int(match[1])):
                with contextlib.suppress(OSError):
                    candidate.unlink()
                    removed.append(candidate)
    return removed


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a hidden temporary path beside ``path``; rename it to ``path`` on success.

    The temporary name (``.<name>.<host>.<pid>.<random>.partial<suffix>``) keeps the
    suffix, so writers that infer the format from it still work; shell globs and
    ``glob.glob`` skip the hidden name (``pathlib``'s ``glob`` does not), and Snakemake
    and the aggregator read only the files they name. On error, or if the process is
    killed, ``path`` is untouched and the temporary file is removed (or, after a kill,
    left under its hidden name until the next write of ``path`` on the same host
    removes it, :func:`remove_abandoned_partials`). A directory that cannot be written
    (read-only, no space) raises :class:`~pulsesweep.errors.OutputError`.
    """
    path = Path(path)
    partial = path.with_name(_partial_name(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned_partials(path)
        yield partial
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        partial.replace(path)
    except OSError as error:  # read-only, missing permission, no space, file too large
        raise OutputError(path, error.strerror or error) from error
    except RuntimeError as error:  # netCDF4 reports HDF5's write errors this way
        if "NetCDF" not in str(error) and "HDF" not in str(error):
            raise
        raise OutputError(path, error) from error
    finally:
        with contextlib.suppress(OSError):  # gone already, or never made
            partial.unlink()
