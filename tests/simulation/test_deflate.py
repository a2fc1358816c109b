"""The spike times' chunks, compressed by the job: the format HDF5 and netCDF read."""

from __future__ import annotations

import zlib
from pathlib import Path

import h5py
import netCDF4
import numpy as np
import pytest

from pulsesweep.simulation.deflate import shuffled, write_deflated
from pulsesweep.simulation.file_format import SPIKE_CHUNK

CHUNK = 1000


def _spike_times(count: int, seed: int = 0) -> np.ndarray:
    """Sorted times with irregular intervals, like a train's (float64 seconds)."""
    return np.cumsum(np.random.default_rng(seed).exponential(0.02, count))


def _trains(count: int, seed: int = 0) -> np.ndarray:
    """``count`` spike times of tonic trains, train after train, as a job stores them:
    each train 10 s of spikes at its own period (15 to 30 ms), from its own phase."""
    rng = np.random.default_rng(seed)
    trains, total = [], 0
    while total < count:
        period = rng.uniform(0.015, 0.03)
        trains.append(np.arange(rng.uniform(0, period), 10.0, period))
        total += len(trains[-1])
    return np.concatenate(trains)[:count]


def _create(path: Path, values: np.ndarray, shuffle: bool = True, chunk: int = CHUNK) -> Path:
    """A netCDF file whose variable ``x`` is created as a job creates ``spike_time``."""
    with netCDF4.Dataset(path, "w") as file:
        file.createDimension("spike", len(values))
        file.createVariable(
            "x",
            values.dtype,
            ("spike",),
            zlib=True,
            complevel=1,
            shuffle=shuffle,
            chunksizes=(min(chunk, len(values)),),
            fill_value=np.nan if values.dtype.kind == "f" else -1,
        )
    return path


def _unshuffled(planes: bytes, dtype: np.dtype) -> np.ndarray:
    """HDF5's unshuffle, written plainly: byte plane k holds byte k of every element."""
    size = dtype.itemsize
    return np.frombuffer(planes, np.uint8).reshape(size, -1).T.copy().view(dtype).ravel()


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.int16])
@pytest.mark.parametrize("count", [1, 4097, 9001])
def test_shuffled_is_hdf5s_byte_planes(dtype, count):
    values = (_spike_times(count) * 1e4).astype(dtype)
    planes = shuffled(values)
    assert planes.dtype == np.uint8
    assert len(planes) == values.nbytes
    np.testing.assert_array_equal(_unshuffled(planes.tobytes(), np.dtype(dtype)), values)


@pytest.mark.parametrize("count", [7, CHUNK, 3 * CHUNK, 3 * CHUNK + 123])
@pytest.mark.parametrize("dtype", [np.float64, np.int32])
def test_written_values_read_back_exactly(tmp_path, count, dtype):
    """Whole chunks and a last partial one, as netCDF4 and HDF5 read them."""
    values = (_spike_times(count) * (1 if dtype == np.float64 else 1e4)).astype(dtype)
    path = _create(tmp_path / "x.nc", values)
    write_deflated(path, "x", values)
    with netCDF4.Dataset(path) as file:
        variable = file["x"]
        variable.set_auto_maskandscale(False)
        np.testing.assert_array_equal(variable[:], values)
        assert variable.filters()["zlib"]
        assert variable.filters()["shuffle"]
    with h5py.File(path) as file:
        np.testing.assert_array_equal(
            file["x"][CHUNK // 2 : CHUNK + 3], values[CHUNK // 2 : CHUNK + 3]
        )


def test_chunks_are_zlib_streams_of_the_shuffled_values(tmp_path):
    """Each stored chunk, as Python's own zlib decompresses it and HDF5's unshuffle
    orders it, is that chunk of the values; the last one padded with the fill value."""
    values = _spike_times(2 * CHUNK + 10)
    path = _create(tmp_path / "x.nc", values)
    write_deflated(path, "x", values)
    with h5py.File(path) as file:
        dataset = file["x"]
        for start in (0, CHUNK, 2 * CHUNK):
            mask, raw = dataset.id.read_direct_chunk((start,))
            assert mask == 0  # every filter applied
            chunk = _unshuffled(zlib.decompress(raw), values.dtype)
            assert len(chunk) == CHUNK
            np.testing.assert_array_equal(chunk[: len(values) - start], values[start:][:CHUNK])
        assert np.isnan(chunk[10:]).all()


def test_no_larger_than_netcdf4s_own_compression(tmp_path):
    """In a job's chunks, what ISA-L stores takes about the room of netCDF4's zlib at its
    fastest level (on a job's spike times, 0.2 % less; on these, 2.3 % more)."""
    values = _trains(2 * SPIKE_CHUNK + 1000)
    ours = _create(tmp_path / "ours.nc", values, chunk=SPIKE_CHUNK)
    write_deflated(ours, "x", values)
    theirs = _create(tmp_path / "theirs.nc", values, chunk=SPIKE_CHUNK)
    with netCDF4.Dataset(theirs, "a") as file:
        file["x"][:] = values
    assert ours.stat().st_size <= theirs.stat().st_size * 1.05


def test_refuses_a_variable_not_shuffled(tmp_path):
    values = _spike_times(10)
    path = _create(tmp_path / "x.nc", values, shuffle=False)
    with pytest.raises(ValueError, match="x is not a one-dimensional variable shuffled"):
        write_deflated(path, "x", values)


def test_refuses_values_of_another_length(tmp_path):
    values = _spike_times(10)
    path = _create(tmp_path / "x.nc", values)
    with pytest.raises(ValueError, match="x holds 10 values, not 9"):
        write_deflated(path, "x", values[:9])
