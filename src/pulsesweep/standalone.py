"""Compile the model once with Brian2's ``cpp_standalone`` device, then run it many times.

A build depends only on the model's *shape* (:class:`ModelShape`: neurons, steps,
pulses, dt, integration method), never on parameter values, so every job of one shape
shares it. :func:`build_simulator` (which imports Brian2) writes the binary and a manifest;
:func:`run_simulator` (which does not) gives the binary a job's values as files on its
command line, Brian2's ``run_args`` mechanism, and reads the spikes back. Each run
works in a private temporary directory and deletes it, so concurrent runs of one build,
in any number of processes, never touch each other's files.

The binary is compiled with ``-O3`` but without ``-march=native`` (a build made on one
cluster node runs on the others) and without ``-ffast-math`` (results match the numpy
target step for step).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from pulsesweep import __version__
from pulsesweep.model import Method, NetworkInput
from pulsesweep.recording import SpikeTrains
from pulsesweep.stimulus import PulseInputs

__all__ = ["COMPILER_FLAGS", "ModelShape", "build_shape", "build_simulator", "run_simulator"]

logger = logging.getLogger(__name__)

#: Compiler flags of every build: fast, portable across CPUs, no reassociation.
COMPILER_FLAGS = ["-w", "-O3", "-fno-fast-math"]
_GROUP, _PULSES, _SYNAPSES, _MONITOR = "neurons", "pulses", "pulse_inputs", "spikes"

#: Generated files that run once per run (set-up, reading the inputs, writing the spikes),
#: not once per step: compiled at ``-O1``, they take a third of the compiler's time and
#: none of the simulation's.
_RUN_ONCE = (
    "main",
    "objects",
    "run",
    "synapses_classes",
    f"code_objects/after_run_{_GROUP}_spike_thresholder_codeobject",
    f"code_objects/{_SYNAPSES}_synapses_create_generator_codeobject",
)
#: Headers that the generated files include, precompiled once (``common_headers.h``):
#: each compiler run spent about 0.7 s parsing them, most of its time. One header serves
#: both levels: gcc takes a header precompiled at ``-O3`` for ``-O1`` (both define
#: ``__OPTIMIZE__``), not for ``-O0``, and precompiling takes as long as four objects.
_COMMON_HEADERS = (
    '"objects.h"',
    '"brianlib/common_math.h"',
    '"brianlib/stdint_compat.h"',
    "<cmath>",
    "<climits>",
    "<ctime>",
    "<fstream>",
    "<iostream>",
)
#: Read after Brian2's makefile: :data:`_RUN_ONCE` at ``-O1``, and every object compiled
#: with the precompiled headers (``private``: the header's own rule keeps its flags).
#: Without a usable ``.gch`` the compiler reads the header.
_PRECOMPILED = """\
# pulsesweep: run-once code at -O1; precompiled common headers (pulsesweep.standalone)
RUN_ONCE = {run_once}
$(RUN_ONCE): private OPTIMISATIONS += -O1
$(OBJS): private OPTIMISATIONS += -include common_headers.h
$(OBJS): common_headers.h.gch
common_headers.h.gch: common_headers.h makefile
	$(CXX) $(filter-out -c,$(CXXFLAGS)) -x c++-header $< -o $@
"""


def _write_make_rules(directory: Path) -> None:
    """The precompiled headers' source and :data:`_PRECOMPILED` as ``pulsesweep.mk``."""
    headers = "".join(f"#include {header}\n" for header in _COMMON_HEADERS)
    (directory / "common_headers.h").write_text(headers)
    run_once = " ".join(f"{name}.o" for name in _RUN_ONCE)
    (directory / "pulsesweep.mk").write_text(_PRECOMPILED.format(run_once=run_once))


def _make_arguments(processes: int | None) -> list[str]:
    """``make`` arguments: files side by side, no dependency file (a build is made once),
    and the rules of :func:`_write_make_rules` after Brian2's makefile."""
    return [f"-j{processes or ''}", "DEPS=", "-f", "makefile", "-f", "pulsesweep.mk"]


@dataclass(frozen=True)
class ModelShape:
    """Everything a build depends on; jobs of equal shape share one binary."""

    n_neurons: int
    n_steps: int
    n_pulses: int
    dt: float
    method: Method

    @property
    def key(self) -> str:
        """A file-name-safe identifier, e.g. ``n4800_steps100000_pulses120_dt0.0001_precise``."""
        return (
            f"n{self.n_neurons}_steps{self.n_steps}_pulses{self.n_pulses}"
            f"_dt{self.dt:g}_{self.method}"
        )


def build_simulator(shape: ModelShape, directory: str | Path, processes: int | None = None) -> Path:
    """Generate and compile the model for ``shape`` into ``directory``.

    ``processes`` compile side by side (``make -j``); by default as many as ``make``
    starts. The build happens in a temporary directory beside ``directory`` that is renamed at
    the end, so an interrupted build never looks complete. Must run in a process of its
    own: it switches Brian2 to the standalone device.
    """
    import brian2 as b2

    from pulsesweep.network import (
        neuron_group,
        pulse_group,
        pulse_synapses,
        spike_monitor,
        spike_times,
    )

    directory = Path(directory).resolve()
    directory.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    started = time.perf_counter()
    b2.set_device("cpp_standalone", directory=str(partial), build_on_run=False)
    b2.prefs.codegen.cpp.extra_compile_args_gcc = COMPILER_FLAGS
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = _make_arguments(processes)
    group = neuron_group(shape.n_neurons, shape.dt, shape.method, _GROUP)
    pulses = pulse_group(shape.n_pulses, shape.dt, _PULSES)
    b2.device.apply_run_args()  # the job's values, before the pulses are connected by them
    synapses = pulse_synapses(pulses, group, _SYNAPSES)
    monitor = spike_monitor(group, shape.method, name=_MONITOR)
    network = b2.Network(group, pulses, synapses, monitor)
    network.run(shape.n_steps * shape.dt * b2.second, namespace={})
    _write_make_rules(partial)
    b2.device.build(directory=str(partial), compile=True, run=False)
    manifest = {
        "shape": asdict(shape),
        "inputs": {
            f"{owner.name}.{name}": (np.dtype(variable.dtype).str, len(owner))
            for owner in (group, pulses)
            for name, variable in owner.variables.items()
            if isinstance(variable, b2.core.variables.ArrayVariable) and not name.startswith("_")
        },
        "spike_times": b2.device.get_array_filename(spike_times(monitor, shape.method)),
        "spike_neurons": b2.device.get_array_filename(monitor.variables["i"]),
        "compiler_flags": COMPILER_FLAGS,
        "brian2_version": metadata.version("Brian2"),
        "pulsesweep_version": __version__,
    }
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2))
    if directory.exists():
        shutil.rmtree(directory)
    partial.rename(directory)
    logger.info("built %s in %.1f s", directory, time.perf_counter() - started)
    return directory


def build_shape(build: str | Path) -> ModelShape:
    """The shape a build was made for (from its manifest)."""
    manifest = json.loads((Path(build) / "manifest.json").read_text())
    return ModelShape(**manifest["shape"])


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
        Per-neuron values by variable name (see :func:`pulsesweep.model.network_inputs`).
    pulses
        The job's pulses; padded to the build's number.
    """
    build = Path(build).resolve()
    manifest = json.loads((build / "manifest.json").read_text())
    shape = ModelShape(**manifest["shape"])
    with tempfile.TemporaryDirectory(prefix="pulsesweep-run-") as scratch:
        folder = Path(scratch)
        values = {f"{_GROUP}.{name}": value for name, value in inputs.items()}
        if len(pulses) > shape.n_pulses:
            raise ValueError(f"{len(pulses)} pulses do not fit the build {shape.key}")
        for name, value in pulses.values(shape.n_pulses).items():
            values[f"{_PULSES}.{name}"] = value
        arguments = _write_inputs(values, manifest, folder)
        (folder / "results").mkdir()
        started = time.perf_counter()
        completed = subprocess.run(
            [str(build / "main"), "--results_dir", f"{folder / 'results'}/", *arguments],
            cwd=build,
            capture_output=True,
            text=True,
            check=False,
        )
        # The binary reports a bad input file on stderr and carries on; treat it as fatal.
        if completed.returncode != 0 or "error" in completed.stderr.lower():
            raise RuntimeError(
                f"{build / 'main'} failed ({completed.returncode}): {completed.stderr.strip()}"
            )
        logger.info(
            "simulated %d neurons x %d steps in %.2f s (cpp_standalone, %s)",
            shape.n_neurons,
            shape.n_steps,
            time.perf_counter() - started,
            shape.method,
        )
        times = np.fromfile(folder / "results" / manifest["spike_times"], dtype=np.float64)
        neurons = np.fromfile(folder / "results" / manifest["spike_neurons"], dtype=np.int32)
    return SpikeTrains.from_times(times, neurons, shape.dt, shape.method)
