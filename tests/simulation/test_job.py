"""Simulation jobs: the data contract, common random numbers, determinism, batching."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from pulsesweep.errors import SimulationFileError
from pulsesweep.model.grid import GridPoint, grid_points
from pulsesweep.simulation.file_format import write_simulation
from pulsesweep.simulation.job import simulate, simulate_to_netcdf
from pulsesweep.simulation.reader import read_spike_trains


@pytest.fixture(scope="module")
def small_config():
    from conftest import SMALL

    from pulsesweep.config.resolution import resolve_config

    return resolve_config(SMALL)


@pytest.fixture(scope="module")
def small_run(small_config):
    return simulate(small_config, grid_points(small_config))


def test_a_file_holds_exactly_the_contract_the_reader_requires(small_run, tmp_path):
    """The writer writes every variable of the contract, with its dimensions and
    attributes, and nothing else; the reader refuses a file without one of them."""
    from pulsesweep.simulation.file_format import SIMULATION_VARIABLES
    from pulsesweep.simulation.reader import open_simulation

    assert set(small_run.variables) == set(SIMULATION_VARIABLES)
    for name, variable in SIMULATION_VARIABLES.items():
        assert small_run[name].dims == variable.dims, name
        assert small_run[name].attrs == variable.attrs(), name
    path = write_simulation(small_run, tmp_path / "run.nc")
    xr.testing.assert_identical(open_simulation(path), small_run)
    for name in SIMULATION_VARIABLES:
        write_simulation(small_run.drop_vars(name), tmp_path / "partial.nc")
        with pytest.raises(SimulationFileError, match=name):
            open_simulation(tmp_path / "partial.nc")


def _spikes_of(dataset: xr.Dataset, point: int, neuron: int | None = None) -> np.ndarray:
    """One neuron's train, or a point's trains one after the other, through the reader."""
    if neuron is not None:
        return read_spike_trains(dataset, point, neuron)
    return np.concatenate(list(read_spike_trains(dataset, point).values))


def test_dataset_follows_the_contract(small_run, small_config):
    ds = small_run
    assert ds.sizes["point"] == 2 * 2 * 2 * 2
    assert ds.sizes["neuron"] == 10
    assert set(ds["kernel"].values) == {"box", "exponential"}
    assert ds["height"].attrs["units"] == "A"
    np.testing.assert_allclose(sorted(set(ds["height"].values)), [0.0, 5e-9])
    np.testing.assert_allclose(sorted(set(ds["width"].values)), [1e-3, 3e-3])
    for name, units in [
        ("tau", "s"),
        ("v_threshold", "V"),
        ("v_reset", "V"),
        ("resistance", "ohm"),
        ("spike_time", "s"),
        ("pulse_time", "s"),
    ]:
        assert ds[name].attrs["units"] == units
        assert ds[name].attrs["long_name"]
    assert ds["tau"].dims == ("point", "neuron")
    assert ds["train"].dims == ("point", "neuron")
    assert ds["spike_count"].dims == ("distinct_train",)
    assert ds["spike_count"].attrs["sample_dimension"] == "spike"  # CF's ragged array
    assert ds["spike_time"].dims == ("spike",)
    for name in ("pulse_time", "pulse_neuron", "pulse_point"):
        assert ds[name].dims == ("pulse",)
    assert ds.attrs["config_sha256"]
    assert "n_neurons: 10" in ds.attrs["config"]
    assert ds.attrs["brian2_version"]
    assert ds.attrs["pulsesweep_version"]
    # 9 pulses per point (100 ms ... 900 ms), each into a neuron of that point
    assert ds.sizes["pulse"] == 9 * ds.sizes["point"]
    assert ds["pulse_neuron"].max() < 10
    # precise spike times (the default) fall between grid points, inside the run
    assert ds.attrs["integration_method"] == "precise"
    steps = ds["spike_time"].values / 1e-4
    assert np.mean(np.abs(steps - np.round(steps)) > 1e-3) > 0.9
    assert ds["spike_time"].min() >= 0
    assert ds["spike_time"].max() < 1.0


def test_each_distinct_train_is_stored_once_in_time_order(small_config, small_run):
    """A contiguous ragged array: the stored trains, each in time order, each different
    and each some neuron's; the neurons that share one are the same neuron unpulsed."""
    ds = small_run
    stored = np.split(ds["spike_time"].values, np.cumsum(ds["spike_count"].values)[:-1])
    assert all((np.diff(train) > 0).all() for train in stored)
    assert len({train.tobytes() for train in stored}) == len(stored)  # no train twice
    assert set(np.unique(ds["train"].values)) == set(range(ds.sizes["distinct_train"]))
    every = simulate(small_config, grid_points(small_config), copies=False)
    assert every.sizes["distinct_train"] == ds.sizes["point"] * ds.sizes["neuron"]
    assert ds.sizes["distinct_train"] < every.sizes["distinct_train"] / 2
    for point in range(ds.sizes["point"]):
        for neuron in range(ds.sizes["neuron"]):
            expected = read_spike_trains(every, point, neuron)
            np.testing.assert_array_equal(read_spike_trains(ds, point, neuron), expected)
    for seed in (0, 1):
        controls = np.flatnonzero((ds["seed"].values == seed) & (ds["height"].values == 0))
        assert (ds["train"].values[controls] == ds["train"].values[controls[0]]).all()


def test_the_reader_reads_one_train_from_a_file_as_from_its_dataset(small_run, tmp_path):
    path = write_simulation(small_run, tmp_path / "run.nc")
    trains = read_spike_trains(path)
    assert trains.dims == ("point", "neuron")
    for point, neuron in ((0, 0), (7, 3), (15, 9), (-1, -1)):
        expected = read_spike_trains(small_run, point, neuron)
        actual = read_spike_trains(path, point, neuron)
        assert actual.dtype == np.float64
        np.testing.assert_array_equal(actual, expected)
        np.testing.assert_array_equal(trains.isel(point=point, neuron=neuron).item(), expected)
    of_point = read_spike_trains(path, point=5)
    assert of_point.dims == ("neuron",)
    assert of_point["kernel"].item() == str(small_run["kernel"].values[5])
    shared = trains.values[small_run["train"].values == small_run["train"].values[0, 0]]
    assert all(np.shares_memory(train, shared[0]) for train in shared)  # views, not copies


def test_the_readers_trains_are_those_of_each_neuron_simulated_alone(
    small_config, small_run, tmp_path
):
    """A neuron's train read from the file, pulsed or not, is that of a network of that
    one neuron with its parameters and its own pulses: the index points to its train."""
    from pulsesweep.model.population import draw_population
    from pulsesweep.model.run import Run
    from pulsesweep.model.schedule import make_schedule
    from pulsesweep.simulation.job import simulate_points

    path = write_simulation(small_run, tmp_path / "run.nc")
    run = Run.from_config(small_config)
    for point in (3, 12):
        row = small_run.isel(point=point)
        grid_point = GridPoint(
            str(row["kernel"].values), float(row["height"]), float(row["width"]), int(row["seed"])
        )
        population = draw_population(small_config, grid_point.seed)
        schedule = make_schedule(small_config, grid_point.seed)
        pulsed = small_run["pulse_neuron"].values[small_run["pulse_point"].values == point]
        for neuron in sorted({*pulsed.tolist()[:3], 0, small_run.sizes["neuron"] - 1}):
            alone, index, _ = simulate_points(
                small_config,
                [grid_point],
                {grid_point.seed: population.select(slice(neuron, neuron + 1))},
                {grid_point.seed: schedule.of_neuron(neuron)},
                run,
            )
            expected = alone.select(index).times
            np.testing.assert_array_equal(read_spike_trains(path, point, neuron), expected)


def test_common_random_numbers(small_run):
    ds = small_run
    for seed in (0, 1):
        points = np.flatnonzero(ds["seed"].values == seed)
        for name in ("tau", "v_threshold", "v_reset", "resistance", "v_initial"):
            values = ds[name].values[points]
            assert (values == values[0]).all(), name
        pulses = [ds["pulse_time"].values[ds["pulse_point"].values == p] for p in points]
        targets = [ds["pulse_neuron"].values[ds["pulse_point"].values == p] for p in points]
        assert all((p == pulses[0]).all() for p in pulses)
        assert all((t == targets[0]).all() for t in targets)
    first = {s: int(np.flatnonzero(ds["seed"].values == s)[0]) for s in (0, 1)}
    for name in ("tau", "v_threshold", "v_initial"):
        assert not np.array_equal(ds[name].values[first[0]], ds[name].values[first[1]])
    assert not np.array_equal(
        ds["pulse_neuron"].values[ds["pulse_point"].values == first[0]],
        ds["pulse_neuron"].values[ds["pulse_point"].values == first[1]],
    )


def test_pulse_changes_only_the_pulsed_neurons(small_run):
    """Against its height-0 control, a pulsed point differs only where a pulse went."""
    ds = small_run
    for seed in (0, 1):
        of_seed = ds["seed"].values == seed
        controls = np.flatnonzero(of_seed & (ds["height"].values == 0))
        pulsed = np.flatnonzero(of_seed & (ds["height"].values > 0))
        reference = _spikes_of(ds, controls[0])
        for control in controls[1:]:  # every kernel and width gives the same control
            np.testing.assert_array_equal(_spikes_of(ds, control), reference)
        targets = set(ds["pulse_neuron"].values[ds["pulse_point"].values == controls[0]])
        for point in pulsed:
            changed = {
                n
                for n in range(10)
                if not np.array_equal(_spikes_of(ds, point, n), _spikes_of(ds, controls[0], n))
            }
            assert changed, "a 5 nA pulse must change some spike train"
            assert changed <= targets


def test_spike_count_never_decreases_with_height(make_config):
    heights = [-20, -5, -1, 0, 0.5, 1, 2, 5, 10, 20, 50]  # negative: hyperpolarising
    config = make_config(
        sweep={
            "kernels": ["alpha", "inverse_time", "gaussian"],
            "heights_nA": heights,
            "widths_ms": [2.0],
        },
        simulation={"seeds": [3]},
    )
    ds = simulate(config, grid_points(config))
    counts = ds["spike_count"].values[ds["train"].values].sum(axis=1)
    for kernel in ("alpha", "inverse_time", "gaussian"):
        points = np.flatnonzero(ds["kernel"].values == kernel)
        by_height = counts[points][np.argsort(ds["height"].values[points])]
        assert (np.diff(by_height) >= 0).all(), (kernel, by_height)
        assert by_height[-1] > by_height[3] > by_height[0]  # 50 nA > control > -20 nA


def test_batched_and_single_point_runs_are_identical(small_config, small_run):
    for index in (0, 5, 15):
        row = small_run.isel(point=index)
        point = GridPoint(
            str(row["kernel"].values), float(row["height"]), float(row["width"]), int(row["seed"])
        )
        alone = simulate(small_config, [point])
        for neuron in range(small_run.sizes["neuron"]):
            expected = read_spike_trains(alone, 0, neuron)
            np.testing.assert_array_equal(_spikes_of(small_run, index, neuron), expected)


def test_same_inputs_give_an_identical_dataset(small_config, small_run):
    xr.testing.assert_identical(simulate(small_config, grid_points(small_config)), small_run)


def test_netcdf_round_trip_is_identical(small_run, tmp_path):
    path = write_simulation(small_run, tmp_path / "run.nc")
    with xr.open_dataset(path) as actual:
        xr.testing.assert_identical(actual.load(), small_run)
    assert [p.name for p in tmp_path.iterdir()] == ["run.nc"]


_STORAGE = ("dtype", "zlib", "shuffle", "complevel", "chunksizes", "contiguous")


@pytest.mark.parametrize("method", ["precise", "euler"])
def test_a_job_writes_the_file_xarray_would(make_config, tmp_path, method):
    """Jobs write with netCDF4 alone (no xarray import); the file is the one xarray
    writes from the same contents: raw bytes' types, attributes, compression, values."""
    config = make_config(simulation={"method": method})
    path = simulate_to_netcdf(config, tmp_path / "job.nc", kernels=["box"])
    expected = simulate(config, grid_points(config, kernels=["box"]))
    write_simulation(expected, tmp_path / "xarray.nc")
    with (
        xr.open_dataset(path, decode_cf=False) as raw,
        xr.open_dataset(tmp_path / "xarray.nc", decode_cf=False) as reference,
    ):
        xr.testing.assert_identical(raw.load(), reference.load())
        for name, variable in reference.variables.items():
            storage = {key: variable.encoding.get(key) for key in _STORAGE}
            assert {key: raw[name].encoding.get(key) for key in _STORAGE} == storage, name
    with xr.open_dataset(path) as actual:
        xr.testing.assert_identical(actual.load(), expected)


def test_precise_spike_times_are_stored_as_float64_seconds(small_run, tmp_path):
    path = write_simulation(small_run, tmp_path / "run.nc")
    with xr.open_dataset(path, decode_cf=False) as raw:
        assert raw["spike_time"].dtype == np.float64
        assert "scale_factor" not in raw["spike_time"].attrs
        np.testing.assert_array_equal(raw["spike_time"].values, small_run["spike_time"].values)


def test_spike_times_are_stored_in_chunks_a_train_is_read_from(small_run, tmp_path, monkeypatch):
    """``spike_time`` comes in chunks of ``SPIKE_CHUNK`` spikes (the whole variable if it
    has fewer), so reading one train decompresses a chunk or two, not the file."""
    from pulsesweep.simulation import file_format

    chunk = small_run.sizes["spike"] // 7
    monkeypatch.setattr(file_format, "SPIKE_CHUNK", chunk)
    path = write_simulation(small_run, tmp_path / "run.nc")
    with xr.open_dataset(path, decode_cf=False) as raw:
        assert raw["spike_time"].encoding["chunksizes"] == (chunk,)
    for point, neuron in ((0, 0), (9, 4), (-1, -1)):
        np.testing.assert_array_equal(
            read_spike_trains(path, point, neuron), read_spike_trains(small_run, point, neuron)
        )
    monkeypatch.undo()
    path = write_simulation(small_run, tmp_path / "whole.nc")
    with xr.open_dataset(path, decode_cf=False) as raw:
        assert raw["spike_time"].encoding["chunksizes"] == (small_run.sizes["spike"],)


def test_indices_are_stored_as_compressed_int32(small_run, tmp_path):
    path = write_simulation(small_run, tmp_path / "run.nc")
    with xr.open_dataset(path, decode_cf=False) as raw:
        for name, shuffled in (("train", True), ("pulse_neuron", False), ("pulse_point", False)):
            assert raw[name].dtype == np.int32, name
            assert (raw[name].encoding["zlib"], raw[name].encoding["shuffle"]) == (True, shuffled)
            np.testing.assert_array_equal(raw[name].values, small_run[name].values)


def test_grid_spike_times_are_stored_as_integer_steps(make_config, tmp_path):
    config = make_config(simulation={"method": "euler"})
    run = simulate(config, grid_points(config, kernels=["box"], widths_ms=[1.0]))
    steps = run["spike_time"].values / 1e-4
    np.testing.assert_allclose(steps, np.round(steps), rtol=0, atol=1e-9)  # on the grid
    path = write_simulation(run, tmp_path / "run.nc")
    with xr.open_dataset(path, decode_cf=False) as raw:
        assert raw["spike_time"].dtype == np.int32
        assert raw["spike_time"].attrs["scale_factor"] == pytest.approx(1e-4)
        np.testing.assert_array_equal(raw["spike_time"].values * 1e-4, run["spike_time"].values)
    with xr.open_dataset(path) as decoded:
        xr.testing.assert_identical(decoded.load(), run)


def test_simulate_to_netcdf_selects_part_of_the_grid(tmp_path):
    from conftest import SMALL

    path = simulate_to_netcdf(
        SMALL, tmp_path / "sel.nc", kernels=["box"], heights_nA=[5], seeds=[1]
    )
    with xr.open_dataset(path) as ds:
        assert list(ds["kernel"].values) == ["box", "box"]
        np.testing.assert_allclose(ds["width"].values, [1e-3, 3e-3])
        assert set(ds["seed"].values) == {1}


def test_a_runtime_run_logs_its_progress_with_rate_and_time_left(make_config, caplog):
    """Brian2's runtime targets report at the start, every PROGRESS_PERIOD seconds and at
    the end: the fraction simulated, the rate in neuron-steps per second, the time left."""
    import logging

    from pulsesweep.logs import PROGRESS_PERIOD

    config = make_config(simulation={"duration_s": 0.2, "seeds": [0]})
    with caplog.at_level(logging.INFO, logger="pulsesweep"):
        simulate(config, [GridPoint("box", 5e-9, 1e-3, 0)])
    progress = [r.getMessage() for r in caplog.records if r.getMessage().startswith("simulation ")]
    assert progress[0].startswith("simulation started")
    assert progress[-1].startswith("simulation 100% done")
    assert "neuron-steps/s" in progress[-1]
    assert "about 0 s left" in progress[-1]
    assert PROGRESS_PERIOD <= 10
