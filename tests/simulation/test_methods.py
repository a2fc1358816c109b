"""Every integration method runs end to end: simulation files, responses and figures."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from conftest import SMALL, merge
from lif_exact import lif_period
from matplotlib import image

from pulsesweep.analysis.aggregate import aggregate_to_netcdf
from pulsesweep.config.resolution import resolve_config
from pulsesweep.figures.drawing import write_figures
from pulsesweep.jobs import job_files, simulation_jobs
from pulsesweep.simulation.job import simulate_to_netcdf

METHODS = ["precise", "euler", "exponential_euler", "rk2", "rk4", "heun"]


def _responses(method: str, directory, **sweep) -> tuple[dict, xr.Dataset]:
    config = resolve_config(
        merge(
            SMALL,
            {
                "simulation": {"method": method, "seeds": [0]},
                "sweep": {"kernels": ["box"], "widths_ms": [3.0], **sweep},
            },
        )
    )
    folder = str(directory / "simulations")
    for name, job in simulation_jobs(config).items():
        simulate_to_netcdf(config, f"{folder}/{name}.nc", **job.selection())
    path = aggregate_to_netcdf(
        config,
        job_files(config, folder, control=True),
        job_files(config, folder),
        directory / "responses.nc",
    )
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
    [png, *_] = write_figures(
        config, tmp_path / "responses.nc", ["phase_advance_heatmaps"], tmp_path / "figures"
    )
    pixels = image.imread(png)
    assert pixels[..., :3].std() > 0.05, "blank figure"


def test_responses_carry_each_pulsed_neurons_parameters(precise_responses):
    """Anyone can compute theory per pulse: the stored parameters give the closed-form
    period, which is the control period measured in the simulation."""
    responses = precise_responses
    measured = responses["pulse_control_period"].isel(kernel=0, height=0, width=0)
    assert measured.dims == ("seed", "pulse")
    expected = np.vectorize(lif_period)(
        responses["neuron_tau"],
        responses["neuron_resistance"],
        float(responses["bias_current"]),
        responses["neuron_v_threshold"],
        responses["neuron_v_reset"],
        float(responses["refractory_period"]),
    )
    np.testing.assert_allclose(measured, expected, rtol=0, atol=1e-9)
    assert len(np.unique(responses["neuron_tau"])) > 1  # heterogeneous: one value per pulse
    assert responses["neuron_tau"].attrs["units"] == "s"


def test_hyperpolarising_pulses_delay_firing_monotonically_in_height(tmp_path):
    heights = [-5, -2, -0.5, 0, 0.5, 2, 5]
    _, responses = _responses("precise", tmp_path, kernels=["box", "alpha"], heights_nA=heights)
    for name in ("phase_advance", "spike_advance"):
        mean = responses[name].mean("seed").transpose("kernel", "width", "height").values
        assert (np.diff(mean, axis=-1) > 0).all(), (name, mean)  # strictly monotone in height
        assert (mean[..., :3] < 0).all(), (name, mean)  # hyperpolarising: a delay
        assert (mean[..., 4:] > 0).all(), (name, mean)
