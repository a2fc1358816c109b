"""Outputs: a file appears under its final name only once it is complete, and says what
made it (the config, its hash, the versions of the software).
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import socket
import uuid
from collections.abc import Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pulsesweep._version import __version__
from pulsesweep.config.resolution import config_sha256, config_text
from pulsesweep.errors import InputError, OutputError, file_problem

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "atomic_output",
    "compression",
    "load_netcdf",
    "provenance",
    "remove_abandoned_partials",
    "write_netcdf_atomically",
]


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


def provenance(config: Mapping[str, Any]) -> dict[str, str]:
    """Global attributes that say what made a file: config, its hash, versions."""
    versions = {
        f"{package.lower()}_version": metadata.version(package)
        for package in ("Brian2", "numpy", "xarray", "netCDF4", "h5py", "isal")
    }
    return {
        "pulsesweep_version": __version__,
        "config": config_text(config),
        "config_sha256": config_sha256(config),
        **versions,
        "python_version": platform.python_version(),
    }


def compression(variables: Mapping[str, tuple[int, np.dtype[Any]]]) -> dict[str, dict[str, Any]]:
    """zlib (level 1, shuffled) for every array variable but strings, given by name as
    ``(ndim, dtype)``: the encoding of every netCDF file pulsesweep writes, unless it says
    otherwise."""
    return {
        name: {"zlib": True, "complevel": 1, "shuffle": True}
        for name, (ndim, dtype) in variables.items()
        if ndim > 0 and dtype.kind != "O"
    }


def _dataset_compression(dataset: xr.Dataset) -> dict[str, dict[str, Any]]:
    return compression(
        {str(name): (variable.ndim, variable.dtype) for name, variable in dataset.variables.items()}
    )


def write_netcdf_atomically(
    dataset: xr.Dataset, path: str | Path, encoding: Mapping[str, Any] | None = None
) -> Path:
    """Write ``dataset`` to a hidden temporary file beside ``path``, then rename it.

    A job killed while writing leaves only the hidden temporary file, which neither
    Snakemake nor the aggregator takes for a result.
    """
    with atomic_output(path) as partial:
        dataset.to_netcdf(
            partial, engine="netcdf4", encoding=encoding or _dataset_compression(dataset)
        )
    return Path(path)


def load_netcdf(path: str | Path, made_by: str, lazily: bool = False) -> xr.Dataset:
    """Load a netCDF file that pulsesweep wrote, fully, or fail in one line that says
    whether it is missing or damaged, and how to make it (``made_by``, e.g. "`snakemake
    --cores N`"). ``lazily``: open it, to be read as its variables are used (and closed
    by the caller)."""
    import xarray as xr

    path = Path(path)
    if not path.is_file():
        problem = file_problem(IsADirectoryError() if path.is_dir() else FileNotFoundError())
        raise InputError(path, problem, f"make it with {made_by}")
    try:
        if lazily:
            loaded = xr.open_dataset(path)
        else:
            with xr.open_dataset(path) as dataset:
                loaded = dataset.load()
    except OSError as error:
        reason = file_problem(error) if error.errno else "not a readable netCDF file"
        raise InputError(path, reason, f"make it again with {made_by}") from None
    except (RuntimeError, ValueError) as error:  # what netCDF4 and xarray raise for junk
        problem = f"not a readable netCDF file ({error})"
        raise InputError(path, problem, f"make it again with {made_by}") from None
    if "pulsesweep_version" not in loaded.attrs:  # every file pulsesweep writes says so
        loaded.close()
        problem = "a netCDF file that pulsesweep did not write (no pulsesweep_version)"
        raise InputError(path, problem, f"give the file made by {made_by}")
    return loaded
