"""Atomic output: a file appears under its final name only once it is complete."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from pulsesweep.errors import OutputError

__all__ = ["atomic_output"]


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a hidden temporary path beside ``path``; rename it to ``path`` on success.

    The temporary name (``.<name>.<random>.partial<suffix>``) keeps the suffix, so
    writers that infer the format from it still work; shell globs and ``glob.glob``
    skip the hidden name (``pathlib``'s ``glob`` does not), and Snakemake and the
    aggregator read only the files they name. On error, or if the process is killed,
    ``path`` is untouched and the temporary file is removed (or, after a kill, left
    under its hidden name). A directory that
    cannot be written (read-only, no space) raises :class:`~pulsesweep.errors.OutputError`.
    """
    path = Path(path)
    partial = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.partial{path.suffix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
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
