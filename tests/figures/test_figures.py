"""The figures' shared pieces: the bootstrap interval and the log axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from pulsesweep.figures import style as plotting


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
    plotting._resamples.cache_clear()  # drawn again, in blocks
    assert plotting.bootstrap_interval(values) == whole
    plotting._resamples.cache_clear()


@pytest.mark.parametrize("n_values", [190, plotting._CACHED + 1])  # kept, and drawn each time
def test_bootstrap_interval_is_the_percentile_interval_of_seed_0_resamples(n_values):
    values = np.random.default_rng(4).normal(0.0, 1.0, n_values)
    resamples = np.random.default_rng(0).integers(0, n_values, (1000, n_values))
    means = values[resamples].mean(axis=1)
    expected = tuple(np.percentile(means, [2.5, 97.5]))
    assert plotting.bootstrap_interval(values) == expected
    assert plotting.bootstrap_interval(values) == expected  # again: cached or not
    assert plotting.bootstrap_interval(values[::-1]) != expected  # other values, same draws


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
    from pulsesweep.figures.drawing import save_figure
    from pulsesweep.figures.theory_figures import plot_theory_residuals

    [svg] = save_figure(plot_theory_residuals(_residuals(n_pulses), {}), tmp_path / "r", ["svg"])
    text = svg.read_text()
    assert ("<image" in text) is image
    assert "measured (ms)" in text  # labels stay text
    assert (text.count("<use ") >= 2 * n_pulses) is not image  # one path use per point


def test_width_colours_are_seaborns_for_a_numeric_hue():
    import pandas as pd
    import seaborn as sns
    from matplotlib.colors import to_rgba

    widths = [0.5, 1.0, 2.0, 5.0, 20.0]
    table = pd.DataFrame({"x": np.tile([0, 1], 5), "y": 1.0, "w": np.repeat(widths, 2)})
    figure, axis = plt.subplots()
    sns.lineplot(data=table, x="x", y="y", hue="w", palette="viridis", ax=axis)
    expected = [to_rgba(line.get_color()) for line in axis.lines[: len(widths)]]
    actual = list(plotting.width_palette(table["w"]).values())
    np.testing.assert_allclose(actual, expected)
    plt.close(figure)


@pytest.mark.parametrize(("n_kernels", "hidden"), [(1, 0), (3, 0), (5, 1)])
def test_kernel_panels_label_the_outer_axes_and_hide_the_spare(n_kernels, hidden):
    kernels = [f"k{i}" for i in range(n_kernels)]
    figure, panels = plotting.kernel_panels(kernels, height=2.0, aspect=1.0)
    plotting.label_panels(panels, "x label", "y label")
    plotting.palette_legend(figure, plotting.width_palette([1.0, 2.0]), "w", marker="o")
    assert [axis.get_title() for axis in panels.values()] == kernels
    assert sum(not axis.get_visible() for axis in figure.axes) == hidden
    columns = min(3, n_kernels)
    for index, axis in enumerate(panels.values()):
        has_below = index + columns < n_kernels
        assert (axis.get_xlabel() == "x label") is not has_below
        assert (axis.get_ylabel() == "y label") is (index % columns == 0)
        figure.canvas.draw()
        labels = [label.get_text() for label in axis.get_xticklabels() if label.get_visible()]
        assert any(labels) is not has_below  # tick labels wherever no panel is below
    [legend] = figure.legends
    assert [text.get_text() for text in legend.get_texts()] == ["1", "2"]
    plt.close(figure)
