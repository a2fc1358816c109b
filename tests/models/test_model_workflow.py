"""The examples' neuron models through the whole workflow, made small: every output of
a sweep, no LIF theory anywhere, and the files saying which model made them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from conftest import snakemake

from pulsesweep.figures.registry import FIGURE_NAMES

ROOT = Path(__file__).resolve().parents[2]

#: The example, small: a few neurons, one seed, two heights, one width.
SMALL = {
    "network": {"n_neurons": 6},
    "simulation": {"seeds": [0], "duration_s": 1.0},
    "pulses": {"settle_ms": 300.0},
    "sweep": {"kernels": ["box"], "heights_nA": [0, 2.0], "widths_ms": [1.0]},
    "analysis": {"window_ms": 50.0},
    "figures": {"formats": ["png"], "prc_height_nA": 2.0, "prc_width_ms": 1.0},
}


@pytest.mark.slow
def test_the_hodgkin_huxley_example_runs_end_to_end(tmp_path):
    small = tmp_path / "small.yaml"
    small.write_text(yaml.safe_dump(SMALL))
    example = ROOT / "config" / "examples" / "hh.yaml"
    snakemake(tmp_path, "--cores", "2", "--configfile", str(example), str(small))
    results = tmp_path / "results"
    for name in FIGURE_NAMES:  # drawn (theory_residuals: a note that there is no theory)
        assert (results / "figures" / f"{name}.png").stat().st_size > 5_000, name
    responses = xr.open_dataset(results / "responses.nc")
    assert responses.attrs["neuron_model"] == "hh"
    assert np.isnan(responses["pulse_spike_advance_theory"]).all()
    usable = responses["pulse_usable"].sel(height=2e-9).values
    assert usable.sum() == SMALL["network"]["n_neurons"]  # the phase scan: every neuron
    advance = responses["pulse_phase_advance"].sel(height=2e-9).values[usable]
    assert np.isfinite(advance).all()
    assert (advance < 0).any()  # the negative lobe, even on six phases
    theory = xr.open_dataset(results / "theory_curves.nc")
    assert theory.attrs["neuron_model"] == "hh"
    assert np.isnan(theory["prc_theory"]).all()
    for path in (results / "simulations").glob("*.nc"):
        simulation = xr.open_dataset(path)
        assert simulation.attrs["neuron_model"] == "hh"
        assert "time grid" in simulation.attrs["spike_times"]
        assert {"gl", "Cm", "v_initial", "m_initial", "ENa"} <= set(simulation.variables)
