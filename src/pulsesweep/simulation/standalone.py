"""Run a compiled build of the model (:mod:`pulsesweep.simulation.builds`) without Brian2.

:func:`run_simulator` gives the binary a job's values as files on its command line,
Brian2's ``run_args`` mechanism, and reads the spikes back. Each run works in a private
temporary directory and deletes it, so concurrent runs of one build, in any number of
processes, never touch each other's files.
"""

from __future__ import annotations

import json
import logging
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pulsesweep.logs import PROGRESS_LINE, log_progress
from pulsesweep.model.equations import NetworkInput
from pulsesweep.model.stimulus import PulseInputs
from pulsesweep.simulation.builds import GROUP, PULSES
from pulsesweep.simulation.shapes import ModelShape
from pulsesweep.simulation.spikes import SpikeTrains

__all__ = ["run_simulator"]

logger = logging.getLogger(__name__)


def _write_inputs(
    values: Mapping[str, NetworkInput], manifest: Mapping[str, Any], folder: Path
) -> list[str]:
    """Write every value as a raw file of exactly the type and size the binary expects.

    ``values`` are by run argument name, ``group.variable``; a scalar goes on the
    command line as it is.
    """
    arguments = []
    for name, value in values.items():
        if name not in manifest["inputs"]:
            raise ValueError(f"{name}: not an input of the build")
        dtype, size = manifest["inputs"][name]
        if np.ndim(value) == 0:
            arguments.append(f"{name}={float(value)!r}")
            continue
        if np.shape(value) != (size,):
            raise ValueError(f"{name}: {np.shape(value)} values for {size}; does not fit the build")
        np.ascontiguousarray(value, dtype=np.dtype(dtype)).tofile(folder / name)
        arguments.append(f"{name}={folder / name}")
    return arguments


def _run_reporting(command: list[str], build: Path, stderr: Path, shape: ModelShape) -> None:
    """Run the binary, logging the progress lines it prints (see
    :func:`~pulsesweep.simulation.brian_network.progress_group`) as they come."""
    duration, neuron_steps = shape.n_steps * shape.dt, shape.n_neurons * shape.n_steps
    log_progress(logger, 0.0, duration, 0.0, neuron_steps)
    with (
        stderr.open("w+") as errors,
        subprocess.Popen(
            command, cwd=build, stdout=subprocess.PIPE, stderr=errors, text=True
        ) as process,
    ):
        for line in process.stdout or ():
            fields = line.split()
            if fields[:1] == [PROGRESS_LINE] and float(fields[1]) > 0:  # the start: above
                simulated, elapsed = float(fields[1]), float(fields[2])
                fraction = min(1.0, simulated / duration)
                log_progress(logger, fraction, duration, elapsed, neuron_steps)
        returncode = process.wait()
        errors.seek(0)
        message = errors.read()
    # The binary reports a bad input file on stderr and carries on; treat it as fatal.
    if returncode != 0 or "error" in message.lower():
        raise RuntimeError(f"{build / 'main'} failed ({returncode}): {message.strip()}")


def run_simulator(
    build: str | Path,
    inputs: Mapping[str, NetworkInput],
    pulses: PulseInputs,
) -> SpikeTrains:
    """Run a build with one job's values; Brian2 is not imported.

    Parameters
    ----------
    build
        A directory made by :func:`build_simulator`.
    inputs
        Per-neuron values by variable name (see :func:`pulsesweep.model.equations.network_inputs`).
    pulses
        The job's pulses; padded to the build's number.
    """
    build = Path(build).resolve()
    manifest = json.loads((build / "manifest.json").read_text())
    shape = ModelShape(**manifest["shape"])
    with tempfile.TemporaryDirectory(prefix="pulsesweep-run-") as scratch:
        folder = Path(scratch)
        values = {f"{GROUP}.{name}": value for name, value in inputs.items()}
        if len(pulses) > shape.n_pulses:
            raise ValueError(f"{len(pulses)} pulses do not fit the build {shape.key}")
        for name, value in pulses.values(shape.n_pulses).items():
            values[f"{PULSES}.{name}"] = value
        arguments = _write_inputs(values, manifest, folder)
        (folder / "results").mkdir()
        command = [str(build / "main"), "--results_dir", f"{folder / 'results'}/", *arguments]
        started = time.perf_counter()
        _run_reporting(command, build, folder / "stderr.txt", shape)
        logger.info(
            "simulated %d neurons x %d steps in %.2f s (cpp_standalone, %s)",
            shape.n_neurons,
            shape.n_steps,
            time.perf_counter() - started,
            shape.method,
        )
        times = _mapped(folder / "results" / manifest["spike_times"], np.float64)
        neurons = _mapped(folder / "results" / manifest["spike_neurons"], np.int32)
    return SpikeTrains.from_times(times, neurons, shape.dt, shape.method)


def _mapped(path: Path, dtype: type[np.generic]) -> np.ndarray:
    """A results file's values, mapped from the page cache rather than copied (a copy
    into fresh memory took a third of a second for a job's 20 million spikes); the
    mapping outlives the file, which the run's folder deletes. Copy on write."""
    if path.stat().st_size == 0:
        return np.empty(0, dtype)
    return np.asarray(np.memmap(path, dtype=dtype, mode="c"))
