"""A model of ``models:`` against Brian2 itself, run the plain way.

The reference is what a Brian user would write: the model's equations in one
``NeuronGroup`` on Brian2's numpy runtime target, its parameters in the namespace (the
heterogeneous ones as per-neuron variables), the input current a ``TimedArray`` of the
bias plus each neuron's step-averaged pulse current. Parameters, initial values and
pulses are read from the simulation file through its documented variables; the spikes
must be the same, spike for spike, for pulsed neurons and controls, on the workflow's
compiled target and on Brian2's numpy target.
"""

from __future__ import annotations

from pathlib import Path

import brian2 as b2
import numpy as np
import pytest
import xarray as xr

from pulsesweep.config.resolution import merge_configs, read_config_file, resolve_config
from pulsesweep.model.stimulus import pulse_train
from pulsesweep.simulation.job import simulate_to_netcdf
from pulsesweep.simulation.reader import read_spike_trains

EXAMPLES = Path(__file__).resolve().parents[2] / "config" / "examples"

#: Small sweeps of the examples: a few neurons, pulses that land at every phase.
SMALL = {
    "adex": {
        "network": {"n_neurons": 6},
        "simulation": {"duration_s": 0.4, "seeds": [3]},
        "pulses": {"schedule": "periodic", "interval_ms": 37.0},
        "sweep": {"kernels": ["box", "alpha"], "heights_nA": [0, 0.3, 1.0], "widths_ms": [2.0]},
        "analysis": {"window_ms": 30.0},
    },
    "hh": {
        "network": {"n_neurons": 4},
        "simulation": {"duration_s": 0.1, "seeds": [2]},
        "pulses": {"schedule": "periodic", "interval_ms": 7.0},
        "sweep": {"kernels": ["box"], "heights_nA": [0, 2.0], "widths_ms": [1.0]},
        "analysis": {"window_ms": 5.0},
    },
}


def example_config(name: str, target: str) -> dict:
    """The example ``name``'s config, made small, on ``target``."""
    merged = merge_configs(
        read_config_file(EXAMPLES.parent / "config.yaml"),
        read_config_file(EXAMPLES / f"{name}.yaml"),
        SMALL[name],
        {"simulation": {"target": target}},
    )
    return resolve_config(merged)


def quantity(text: str | float) -> b2.Quantity:
    """A parameter as a Brian user writes it: the config's text, in Brian2's namespace."""
    return eval(str(text), vars(b2))  # the test's own config files


def plain_brian_spikes(config: dict, dataset: xr.Dataset, point: int) -> list[np.ndarray]:
    """The spikes of ``point``'s neurons, simulated with Brian2 the plain way."""
    model = config["models"][config["network"]["model"]]
    n, dt = dataset.sizes["neuron"], float(dataset["dt"])
    steps = round(float(dataset["duration"]) / dt)
    kernel, height, width = (dataset[name].values[point] for name in ("kernel", "height", "width"))
    mine = dataset["pulse_point"].values == point
    times, neurons = dataset["pulse_time"].values[mine], dataset["pulse_neuron"].values[mine]
    current = np.full((steps, n), float(dataset["bias_current"]))
    for neuron in range(n):
        onsets = times[neurons == neuron]
        if height != 0 and len(onsets):
            current[:, neuron] += height * pulse_train(str(kernel), width, onsets, dt, steps)
    varying = model["heterogeneous"]
    units = {name: quantity(text) for name, text in model["parameters"].items()}
    equations = model["equations"] + f"{model['current']} = stimulus(t, i) : amp\n"
    for name in varying:
        equations += f"{name} : {b2.get_unit(units[name].dim)!r} (constant)\n"
    namespace = {name: value for name, value in units.items() if name not in varying}
    namespace["stimulus"] = b2.TimedArray(current * b2.amp, dt=dt * b2.second)
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    group = b2.NeuronGroup(
        n,
        equations,
        threshold=model["threshold"],
        reset=model["reset"],
        refractory=model["refractory"],
        method=model["method"],
        namespace=namespace,
        dt=dt * b2.second,
    )
    for name in varying:
        setattr(group, f"{name}_", dataset[name].values[point])
    for name in model["initial"]:
        setattr(group, f"{name}_", dataset[f"{name}_initial"].values[point])
    monitor = b2.SpikeMonitor(group)
    b2.run(steps * dt * b2.second)
    trains = monitor.spike_trains()
    return [np.asarray(trains[k] / b2.second) for k in range(n)]


@pytest.mark.parametrize("target", ["cpp_standalone", "numpy"])
@pytest.mark.parametrize("name", sorted(SMALL))
def test_spikes_equal_plain_brian2(name, target, tmp_path):
    config = example_config(name, target)
    simulate_to_netcdf(config, tmp_path / "run.nc", controls=True)
    dataset = xr.load_dataset(tmp_path / "run.nc")
    trains = read_spike_trains(tmp_path / "run.nc")
    dt = float(dataset["dt"])
    assert (dataset["height"] == 0).any()
    assert (dataset["height"] > 0).any()
    assert len(dataset["pulse_time"]) > 0
    for point in range(dataset.sizes["point"]):
        expected = plain_brian_spikes(config, dataset, point)
        assert sum(len(train) for train in expected) > dataset.sizes["neuron"]  # they fire
        for neuron, want in enumerate(expected):
            got = trains.isel(point=point, neuron=neuron).item()
            np.testing.assert_array_equal(
                np.round(got / dt), np.round(want / dt), err_msg=f"point {point} neuron {neuron}"
            )


def test_a_model_jobs_memory_estimate_is_above_its_peak_and_not_wastefully(tmp_path):
    """Snakemake and SLURM get an estimate above the measured peak of a model's job (its
    process tree, Brian2 imported to read the model), and at most twice it."""
    from process_memory import simulate_job_peak

    from pulsesweep.jobs import simulation_jobs

    overrides = merge_configs(
        read_config_file(EXAMPLES / "adex.yaml"),
        {
            "simulation": {"duration_s": 2.0, "seeds": [0]},
            "pulses": {"schedule": "periodic", "interval_ms": 50.0},
            "sweep": {"kernels": ["alpha"], "heights_nA": [0, 0.5], "widths_ms": [2.0]},
        },
    )
    config = resolve_config(overrides)
    [job] = simulation_jobs(config).values()
    peak = simulate_job_peak(overrides, tmp_path)
    measured = peak.peak_mb
    assert measured <= job.memory_mb(config) <= 2 * measured, str(peak)
