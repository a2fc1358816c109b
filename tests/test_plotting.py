"""The figures' shared pieces: the bootstrap interval and the log axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from pulsesweep import plotting


def test_bootstrap_interval_is_the_normal_interval_for_a_large_sample():
    """For 400 draws from a normal distribution, the percentile bootstrap of the mean
    agrees with mean ± 1.96 SE to within the bootstrap's own noise."""
    values = np.random.default_rng(1).normal(3.0, 2.0, 400)
    low, high = plotting.bootstrap_interval(values)
    half = 1.96 * values.std(ddof=1) / np.sqrt(len(values))
    assert low < values.mean() < high
    assert low == pytest.approx(values.mean() - half, abs=0.1 * half)
    assert high == pytest.approx(values.mean() + half, abs=0.1 * half)
    assert plotting.bootstrap_interval(values) == (low, high)  # seeded: reproducible


def test_bootstrap_interval_does_not_depend_on_how_resamples_are_blocked(monkeypatch):
    values = np.random.default_rng(2).exponential(1.0, 57)
    whole = plotting.bootstrap_interval(values)
    monkeypatch.setattr(plotting, "_BLOCK", 57 * 3)  # 3 resamples at a time
    assert plotting.bootstrap_interval(values) == whole


@pytest.mark.parametrize(
    ("values", "scale"), [([0.5, 2, 50], "log"), ([-5, 0.5, 50], "symlog"), ([0, 1], "symlog")]
)
def test_log_axes_are_symmetric_only_where_values_are_not_all_positive(values, scale):
    figure, axis = plt.subplots()
    plotting.symlog(axis, values)
    assert axis.get_xscale() == scale
    plt.close(figure)


def test_heatmap_annotates_finite_cells_legibly():
    """Each finite cell carries its value, in white on the saturated ends of the scale
    and dark on its pale middle; a missing value gets no text."""
    figure, axis = plt.subplots()
    values = np.array([[0.0, 1.0], [np.nan, -1.0]])
    plotting.annotated_heatmap(axis, values, ("h", ["a", "b"]), ("w", ["x", "y"]), 1.0, "z")
    texts = {(text.get_position(), text.get_text()): text.get_color() for text in axis.texts}
    assert texts == {((0.5, 0.5), "0"): ".15", ((1.5, 0.5), "1"): "w", ((1.5, 1.5), "-1"): "w"}
    assert [label.get_text() for label in axis.get_yticklabels()] == ["a", "b"]
    plt.close(figure)


def test_heatmaps_too_fine_to_read_are_not_annotated():
    figure, axis = plt.subplots()
    side = int(np.sqrt(plotting.MAX_ANNOTATED)) + 1
    labels = [str(k) for k in range(side)]
    values = np.ones((side, side))
    plotting.annotated_heatmap(axis, values, ("h", labels), ("w", labels), 1.0, "z")
    assert not axis.texts
    plt.close(figure)


def _residuals(n_pulses: int):
    import xarray as xr

    rng = np.random.default_rng(0)
    shape = (1, 1, 2, 1, n_pulses)
    dims = ("kernel", "height", "width", "seed", "pulse")
    theory = rng.uniform(0, 5e-3, shape)
    return xr.Dataset(
        {
            "pulse_spike_advance_theory": (dims, theory),
            "pulse_spike_advance": (dims, theory + rng.normal(0, 1e-7, shape)),
        },
        coords={"kernel": ["box"], "height": [2e-9], "width": [1e-3, 3e-3], "seed": [0]},
    )


@pytest.mark.parametrize(("n_pulses", "image"), [(500, False), (5000, True)])
def test_large_scatters_are_an_image_inside_vector_files(tmp_path, n_pulses, image):
    from pulsesweep.figures import save_figure
    from pulsesweep.theory_figures import plot_theory_residuals

    [svg] = save_figure(plot_theory_residuals(_residuals(n_pulses), {}), tmp_path / "r", ["svg"])
    text = svg.read_text()
    assert ("<image" in text) is image
    assert "measured (ms)" in text  # labels stay text
    assert (text.count("<use ") >= 2 * n_pulses) is not image  # one path use per point
