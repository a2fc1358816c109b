"""The figures' per-cell statistics: the same means and intervals as a table of every
pulse would give, from one kernel's pulses at a time."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import xarray as xr

from pulsesweep.figures.style import METRIC_COLUMNS, bootstrap_interval
from pulsesweep.figures.summary import response_summary

DIMS = ("kernel", "height", "width", "seed", "pulse")


def synthetic_responses(shape: tuple[int, ...], seed: int = 0) -> xr.Dataset:
    """Per-pulse responses of random values, a fifth of them unusable and some NaN."""
    rng = np.random.default_rng(seed)
    kernels, heights, widths = shape[:3]
    coords = {
        "kernel": [f"k{k}" for k in range(kernels)],
        "height": np.arange(1, heights + 1) * 1e-9,
        "width": np.arange(1, widths + 1) * 1e-3,
    }
    variables = {
        name: (DIMS, np.where(rng.random(shape) < 0.05, np.nan, rng.normal(size=shape)))
        for name, _ in METRIC_COLUMNS.values()
    }
    variables["pulse_usable"] = (DIMS, rng.random(shape) > 0.2)
    charge = np.outer(coords["height"], coords["width"])[None] * np.ones((kernels, 1, 1))
    variables["charge"] = (DIMS[:3], charge)
    return xr.Dataset(variables, coords=coords)


def test_the_summary_is_what_a_table_of_every_pulse_gives():
    responses = synthetic_responses((2, 3, 4, 2, 6))
    actual = response_summary(responses)
    table = responses.to_dataframe().reset_index()
    table = table[table["pulse_usable"]]
    assert len(actual) == 2 * 3 * 4 * len(METRIC_COLUMNS)  # a row per cell and metric
    for metric, (name, scale) in METRIC_COLUMNS.items():
        for (kernel, height, width), rows in table.groupby(["kernel", "height", "width"]):
            values = (rows[name] * scale).dropna().to_numpy()
            row = actual[
                (actual["metric"] == metric)
                & (actual["kernel"] == kernel)
                & np.isclose(actual["height (nA)"], height * 1e9)
                & np.isclose(actual["width (ms)"], width * 1e3)
            ]
            assert len(row) == 1
            assert row["pulses"].item() == len(values)
            assert row["mean"].item() == pytest.approx(values.mean())
            expected = bootstrap_interval(values)
            assert (row["low"].item(), row["high"].item()) == pytest.approx(expected)
            assert row["charge per pulse (pC)"].item() == pytest.approx(height * width * 1e12)


def test_a_cell_without_a_usable_pulse_is_left_out():
    responses = synthetic_responses((1, 2, 2, 2, 3))
    responses["pulse_usable"][0, 0, 0] = False
    summary = response_summary(responses)
    assert len(summary) == 3 * len(METRIC_COLUMNS)
    single = synthetic_responses((1, 1, 1, 1, 2))
    single["pulse_usable"][...] = [[[[[True, False]]]]]
    single["pulse_extra_spikes"][...] = 1.0
    row = response_summary(single).set_index("metric").loc["extra spikes"]
    assert row["mean"] == 1.0
    assert np.isnan(row["low"])  # no interval from one pulse
    assert np.isnan(row["high"])


def _peak_bytes(path) -> int:
    with xr.open_dataset(path) as responses:
        tracemalloc.start()
        response_summary(responses)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_memory_grows_with_one_kernels_pulses_not_the_sweeps(tmp_path):
    """From a file opened lazily, the summary holds one kernel's pulses at a time: eight
    times the kernels (and pulses) add far less than the pulses of seven kernels."""
    shape = (10, 10, 4, 50)  # per kernel: 20,000 pulses, 0.8 MB of four metrics and mask
    peaks = {}
    for kernels in (2, 16):
        path = tmp_path / f"responses-{kernels}.nc"
        synthetic_responses((kernels, *shape)).to_netcdf(path)
        peaks[kernels] = _peak_bytes(path)
    per_kernel = 5 * 8 * np.prod(shape)
    assert peaks[16] - peaks[2] < 2 * per_kernel, peaks
