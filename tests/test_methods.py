"""Every integration method runs end to end: simulation files, responses and figures."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from conftest import SMALL, merge
from matplotlib import image

from pulsesweep.aggregate import aggregate_to_netcdf
from pulsesweep.config import resolve_config
from pulsesweep.figures import write_figures
from pulsesweep.jobs import job_files, simulation_jobs
from pulsesweep.simulation import simulate_to_netcdf

METHODS = ["precise", "euler", "exponential_euler", "rk2", "rk4", "heun"]


def _responses(method: str, directory) -> tuple[dict, xr.Dataset]:
    config = resolve_config(merge(SMALL, {"simulation": {"method": method, "seeds": [0]},
                                          "sweep": {"kernels": ["box"], "widths_ms": [3.0]}}))
    folder = str(directory / "simulations")
    for name, job in simulation_jobs(config).items():
        simulate_to_netcdf(config, f"{folder}/{name}.nc", **job.selection())
    path = aggregate_to_netcdf(config, job_files(config, folder, control=True),
                               job_files(config, folder), directory / "responses.nc")
    with xr.open_dataset(path) as dataset:
        return config, dataset.load()


@pytest.fixture(scope="module")
def precise_responses(tmp_path_factory):
    return _responses("precise", tmp_path_factory.mktemp("precise"))[1]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_gives_responses_and_figures(method, precise_responses, tmp_path):
    config, responses = _responses(method, tmp_path)
    assert responses.attrs["config"].count(f"method: {method}") == 1
    control = responses.sel(height=0.0)
    assert float(np.abs(control["phase_advance"]).max()) == 0.0
    pulsed = responses["phase_advance"].sel(height=5e-9)
    assert float(pulsed.min()) > 0  # a 5 nA, 3 ms box advances every neuron it hits
    # the methods agree on what a strong pulse does, to within euler's grid error
    expected = precise_responses["phase_advance"].sel(height=5e-9)
    np.testing.assert_allclose(pulsed, expected, rtol=0, atol=0.02)
    stem = tmp_path / "figure"
    [png, *_] = write_figures(config, tmp_path / "responses.nc", "phase_advance_heatmaps", stem)
    pixels = image.imread(png)
    assert pixels[..., :3].std() > 0.05, "blank figure"
