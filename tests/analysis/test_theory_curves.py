"""The theory curves of a config (theory_curves.nc): the strength–duration search reaches
its criterion, and the file is what the figures draw."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
import yaml
from conftest import SMALL

from pulsesweep import theory
from pulsesweep.analysis.aggregate import aggregate_responses
from pulsesweep.analysis.comparison import _horizon, threshold_theory
from pulsesweep.analysis.theory_curves import prc_point, theory_curves
from pulsesweep.config.resolution import resolve_config
from pulsesweep.figures.drawing import write_figures
from pulsesweep.model.neuron import mean_neuron
from pulsesweep.simulation.job import simulate_to_netcdf

PHASES = (np.arange(32) + 0.5) / 32


def _mean_phase_advance(config, kernel, height, width):
    horizon = _horizon(config, kernel, width, PHASES)
    shift = theory.phase_shift(
        kernel, height, width, PHASES, mean_neuron(config["network"]), horizon=horizon
    )
    return float(np.mean(shift))


@pytest.mark.parametrize("kernel", ["box", "alpha", "inverse_time"])
def test_threshold_height_is_where_the_mean_advance_reaches_the_criterion(kernel):
    config = resolve_config({})
    widths = np.array([0.5e-3, 2e-3, 8e-3])
    heights = threshold_theory(config, kernel, widths, "phase_advance", 0.1, 50e-9)
    assert np.all(np.isfinite(heights))
    assert np.all(np.diff(heights) < 0)  # longer pulses need less height
    for height, width in zip(heights, widths, strict=True):
        assert _mean_phase_advance(config, kernel, height, width) == pytest.approx(0.1, rel=1e-4)
        assert _mean_phase_advance(config, kernel, 0.99 * height, width) < 0.1


def test_threshold_height_beyond_the_largest_height_is_nan():
    config = resolve_config({})
    heights = threshold_theory(config, "box", np.array([0.5e-3, 8e-3]), "phase_advance", 0.1, 5e-9)
    reachable = threshold_theory(config, "box", np.array([8e-3]), "phase_advance", 0.1, 50e-9)
    assert np.isnan(heights[0])  # a 0.5 ms box needs far more than 5 nA
    assert heights[1] == pytest.approx(reachable[0], rel=1e-4)
    assert reachable[0] < 5e-9


def test_the_command_writes_the_curves_with_their_config(tmp_path):
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(SMALL))
    output = tmp_path / "theory_curves.nc"
    command = [sys.executable, "-m", "pulsesweep", "-q", "theory", "--config", str(config_file)]
    subprocess.run([*command, "--output", str(output)], check=True)
    config = resolve_config(SMALL)
    with xr.open_dataset(output) as written:
        xr.testing.assert_identical(written.load(), theory_curves(config))
        assert written.attrs["prc_height"] == pytest.approx(prc_point(config)[0] * 1e-9)
        assert "n_neurons: 10" in written.attrs["config"]
        assert written["threshold_height_theory"].attrs["units"] == "A"


def test_figures_draw_the_curves_of_the_file(tmp_path):
    config = resolve_config(SMALL)
    simulate_to_netcdf(config, tmp_path / "sweep.nc")
    aggregate_responses(config, [], [tmp_path / "sweep.nc"]).to_netcdf(tmp_path / "responses.nc")
    curves = theory_curves(config)
    curves.to_netcdf(tmp_path / "theory.nc")
    names = ["phase_response_curve", "strength_duration"]
    computed = write_figures(config, tmp_path / "responses.nc", names, tmp_path / "computed")
    given = write_figures(
        config, tmp_path / "responses.nc", names, tmp_path / "given", theory=tmp_path / "theory.nc"
    )
    for one, other in zip(computed, given, strict=True):
        assert one.read_bytes() == other.read_bytes(), one.name
    doubled = curves.assign(prc_theory=2 * curves["prc_theory"])
    doubled.to_netcdf(tmp_path / "doubled.nc")
    [changed, *_] = write_figures(
        config, tmp_path / "responses.nc", names[:1], tmp_path / "x", theory=tmp_path / "doubled.nc"
    )
    assert changed.read_bytes() != computed[0].read_bytes()  # the line drawn is the file's
