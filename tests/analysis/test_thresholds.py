"""Strength–duration thresholds read off a grid, on responses with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from conftest import SMALL, merge

from pulsesweep.analysis.thresholds import criterion, criterion_heights
from pulsesweep.config.resolution import resolve_config
from pulsesweep.errors import ConfigError


def _responses(values: np.ndarray, heights: list[float]) -> xr.Dataset:
    """A responses dataset over (kernel, height, width, seed) with ``values`` as the metric."""
    return xr.Dataset(
        {"phase_advance": (("kernel", "height", "width", "seed"), values)},
        coords={"kernel": ["box"], "height": heights, "width": [1e-3, 2e-3], "seed": [0]},
    )


def test_threshold_is_interpolated_between_the_grid_heights_around_the_crossing():
    heights = [0.0, 1e-9, 2e-9, 4e-9]
    # width 1 ms: linear 0.05 per nA -> 0.1 at 2 nA; width 2 ms: 0, 0.04, 0.2, 0.3 -> 1.375 nA
    values = np.array([[0.0, 0.0], [0.05, 0.04], [0.1, 0.2], [0.2, 0.3]])[None, :, :, None]
    actual = criterion_heights(_responses(values, heights), "phase_advance", 0.1)
    expected = xr.DataArray(
        [[[2e-9], [1.375e-9]]],
        dims=("kernel", "width", "seed"),
        coords={"kernel": ["box"], "width": [1e-3, 2e-3], "seed": [0]},
    )
    xr.testing.assert_allclose(actual.drop_attrs(), expected)
    assert actual.attrs["units"] == "A"


def test_threshold_beyond_the_grid_is_nan_and_negative_heights_are_ignored():
    heights = [-2e-9, 0.0, 1e-9, 2e-9]
    values = np.array([[0.5, 0.5], [0.0, 0.0], [0.02, 0.02], [0.05, 0.2]])[None, :, :, None]
    actual = criterion_heights(_responses(values, heights), "phase_advance", 0.1)
    assert np.isnan(actual.sel(width=1e-3)).all()
    assert actual.sel(width=2e-3).item() == pytest.approx(1e-9 + 0.08 / 0.18 * 1e-9)


def test_default_criterion_follows_the_regime():
    assert criterion(resolve_config(SMALL)) == ("phase_advance", 0.1)
    silent = resolve_config(merge(SMALL, {"network": {"bias_current_nA": 12.0}}))
    assert criterion(silent) == ("extra_spikes", 0.5)
    chosen = resolve_config(
        merge(SMALL, {"analysis": {"criterion_metric": "spike_advance", "criterion_value": 2.0}})
    )
    assert criterion(chosen) == ("spike_advance", pytest.approx(2e-3))


@pytest.mark.parametrize(
    ("analysis", "network", "key"),
    [
        (
            {"criterion_metric": "phase_advance"},
            {"bias_current_nA": 12.0},
            "analysis.criterion_metric",
        ),
        ({"criterion_value": -0.1}, {}, "analysis.criterion_value"),
        ({"criterion_metric": "latency"}, {}, "analysis.criterion_metric"),
    ],
)
def test_bad_criterion_fails_naming_the_key(analysis, network, key):
    with pytest.raises(ConfigError) as caught:
        resolve_config(merge(SMALL, {"analysis": analysis, "network": network}))
    assert caught.value.key == key
