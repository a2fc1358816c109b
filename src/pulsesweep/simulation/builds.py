"""Builds of the compiled model: one per model shape, made once and shared by every job.

A build depends only on the model's *shape* (:class:`ModelShape`: neurons, steps,
pulses, dt, integration method), never on parameter values, so every job of one shape
shares it. :func:`build_simulator` (which imports Brian2) generates the model with
Brian2's ``cpp_standalone`` device and compiles it into a directory with a manifest;
:func:`ensure_build` finds a build in the cache or compiles it in a subprocess, one
process at a time; :func:`pulsesweep.simulation.standalone.run_simulator` runs it.

The binary is compiled with ``-O3`` but without ``-march=native`` (a build made on one
cluster node runs on the others) and without ``-ffast-math`` (results match the numpy
target step for step).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from pulsesweep._version import __version__
from pulsesweep.errors import InputError
from pulsesweep.model.kernels import kernel_table
from pulsesweep.simulation.shapes import ModelShape

__all__ = [
    "COMPILER_FLAGS",
    "build_cache",
    "build_shape",
    "build_simulator",
    "ensure_build",
]

logger = logging.getLogger(__name__)

#: Compiler flags of every build: fast, portable across CPUs, no reassociation.
COMPILER_FLAGS = ["-w", "-O3", "-fno-fast-math"]
#: Names of the Brian2 objects in a build (its run arguments are `GROUP.variable`).
GROUP, PULSES, _SYNAPSES, _MONITOR = "neurons", "pulses", "pulse_inputs", "spikes"

#: Generated files that run once per run (set-up, reading the inputs, writing the spikes),
#: not once per step: compiled at ``-O1``, they take a third of the compiler's time and
#: none of the simulation's.
_RUN_ONCE = (
    "main",
    "objects",
    "run",
    "synapses_classes",
    f"code_objects/after_run_{GROUP}_spike_thresholder_codeobject",
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
# pulsesweep: run-once code at -O1; precompiled common headers (pulsesweep.simulation.standalone)
RUN_ONCE = {run_once}
$(RUN_ONCE): private OPTIMISATIONS += -O1
$(OBJS): private OPTIMISATIONS += -include common_headers.h
$(OBJS): common_headers.h.gch
common_headers.h.gch: common_headers.h makefile
	$(CXX) $(filter-out -c,$(CXXFLAGS)) -x c++-header $< -o $@
"""


#: Run after the network, before Brian2 writes the monitor's arrays: its spikes, recorded
#: step after step, reordered train by train (by neuron, then time) with a counting sort,
#: in linear time, so that the job's Python need not sort them
#: (:func:`~pulsesweep.simulation.spikes.train_by_train` then only checks the order).
_TRAIN_ORDER = """
{
    // pulsesweep: the spikes train by train
    std::vector<int32_t> &neurons = %(neurons)s;
    std::vector<double> &times = %(times)s;
    std::vector<size_t> next(%(n_neurons)d + 1, 0);
    for (size_t k = 0; k < neurons.size(); k++) next[neurons[k] + 1]++;
    for (size_t n = 1; n < next.size(); n++) next[n] += next[n - 1];
    std::vector<int32_t> ordered_neurons(neurons.size());
    std::vector<double> ordered_times(times.size());
    for (size_t k = 0; k < neurons.size(); k++) {
        const size_t at = next[neurons[k]]++;
        ordered_neurons[at] = neurons[k];
        ordered_times[at] = times[k];
    }
    neurons.swap(ordered_neurons);
    times.swap(ordered_times);
}
"""
#: What a build's manifest says of its layout; a cached build of another is made again.
BUILD_FORMAT = 2


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


def build_cache() -> Path:
    """Where builds made outside the workflow are kept ($PULSESWEEP_BUILD_CACHE)."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pulsesweep"
    return Path(os.environ.get("PULSESWEEP_BUILD_CACHE", default))


def ensure_build(shape: ModelShape, cache: Path | None = None) -> Path:
    """A build of ``shape`` from the cache, compiled (in a subprocess) if missing.

    Processes that need the same build at once wait for one another on a lock file
    beside it (``.{key}.lock``): the first compiles, the others then find its build.
    """
    cache = cache or build_cache()
    directory = cache / shape.key
    if _current(directory):
        return directory
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f".{shape.key}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process dies
        if not _current(directory):
            logger.info("compiling the model for %s", shape.key)
            command = [
                sys.executable,
                "-m",
                "pulsesweep",
                "build",
                "--shape",
                json.dumps(asdict(shape)),
                "--output",
                str(directory),
            ]
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return directory


def _current(directory: Path) -> bool:
    """Whether ``directory`` holds a build of this version's :data:`BUILD_FORMAT`."""
    manifest = directory / "manifest.json"
    return manifest.exists() and json.loads(manifest.read_text()).get("format") == BUILD_FORMAT


def _manifest(
    shape: ModelShape, owners: tuple[Any, ...], monitor: Any, times: Any
) -> dict[str, Any]:
    """What a build's ``manifest.json`` says: its shape, the arrays a job writes for the
    groups ``owners`` (dtype, length), where the binary leaves its spikes, and what made
    it."""
    import brian2 as b2

    return {
        "shape": asdict(shape),
        "inputs": {
            f"{owner.name}.{name}": (np.dtype(variable.dtype).str, len(owner))
            for owner in owners
            for name, variable in owner.variables.items()
            if isinstance(variable, b2.core.variables.ArrayVariable) and not name.startswith("_")
        },
        "format": BUILD_FORMAT,
        "spike_times": b2.device.get_array_filename(times),
        "spike_neurons": b2.device.get_array_filename(monitor.variables["i"]),
        "compiler_flags": COMPILER_FLAGS,
        "brian2_version": metadata.version("Brian2"),
        "pulsesweep_version": __version__,
    }


def build_simulator(shape: ModelShape, directory: str | Path, processes: int | None = None) -> Path:
    """Generate and compile the model for ``shape`` into ``directory``.

    ``processes`` compile side by side (``make -j``); by default as many as ``make``
    starts. The build happens in a temporary directory beside ``directory`` that is renamed at
    the end, so an interrupted build never looks complete. Must run in a process of its
    own: it switches Brian2 to the standalone device.
    """
    import brian2 as b2

    from pulsesweep.simulation.brian_network import (
        neuron_group,
        progress_group,
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
    group = neuron_group(shape.n_neurons, shape.dt, shape.method, GROUP, shape.neuron_model())
    table = kernel_table({"kernels": shape.kernel_definitions()})
    pulses = pulse_group(shape.n_pulses, shape.dt, PULSES, table)
    b2.device.apply_run_args()  # the job's values, before the pulses are connected by them
    synapses = pulse_synapses(pulses, group, _SYNAPSES)
    monitor = spike_monitor(group, shape.method, name=_MONITOR)
    network = b2.Network(group, pulses, synapses, monitor, progress_group(shape.dt))
    network.run(shape.n_steps * shape.dt * b2.second, namespace={})
    times = spike_times(monitor, shape.method)
    b2.device.insert_code(
        "main",
        _TRAIN_ORDER
        % {
            "neurons": b2.device.get_array_name(monitor.variables["i"], access_data=False),
            "times": b2.device.get_array_name(times, access_data=False),
            "n_neurons": shape.n_neurons,
        },
    )
    _write_make_rules(partial)
    b2.device.build(directory=str(partial), compile=True, run=False)
    manifest = _manifest(shape, (group, pulses), monitor, times)
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2))
    if directory.exists():
        shutil.rmtree(directory)
    partial.rename(directory)
    logger.info("built %s in %.1f s", directory, time.perf_counter() - started)
    return directory


def build_shape(build: str | Path) -> ModelShape:
    """The shape a build was made for (from its manifest).

    Raises
    ------
    pulsesweep.errors.InputError
        If ``build`` is not a directory with a build's manifest.
    """
    path = Path(build) / "manifest.json"
    if not path.is_file():
        remedy = "give a directory made by `pulsesweep build`, or leave --build out"
        raise InputError(build, "not a build (it has no manifest.json)", remedy)
    manifest = json.loads(path.read_text())
    return ModelShape(**manifest["shape"])
