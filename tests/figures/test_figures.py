"""The figures' shared pieces (the bootstrap interval, the log axes, the heat maps' colour
scales, the width colours) and the theory-residual figure."""

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


def test_bootstrap_intervals_are_each_samples_interval():
    """Samples of several sizes (two of one size, and some too small for an interval) at
    once give what each gives alone, but for the rounding of the resamples' sums."""
    rng = np.random.default_rng(5)
    samples = [rng.normal(0.0, 1.0, size) for size in (40, 0, 40, 1, 7, plotting._CACHED + 3)]
    actual = plotting.bootstrap_intervals(samples)
    for sample, row in zip(samples, actual, strict=True):
        if len(sample) < 2:
            assert np.isnan(row).all()
        else:
            assert tuple(row) == pytest.approx(plotting.bootstrap_interval(sample), rel=1e-12)


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
    plotting.annotated_heatmap(axis, values, ("h", ["a", "b"]), ("w", ["x", "y"]), "z")
    texts = {(text.get_position(), text.get_text()): text.get_color() for text in axis.texts}
    assert texts == {((0.5, 0.5), "0"): ".15", ((1.5, 0.5), "1"): "w", ((1.5, 1.5), "-1"): "w"}
    assert [label.get_text() for label in axis.get_yticklabels()] == ["a", "b"]
    plt.close(figure)


def test_heatmaps_too_fine_to_read_are_not_annotated():
    figure, axis = plt.subplots()
    side = int(np.sqrt(plotting.MAX_ANNOTATED)) + 1
    labels = [str(k) for k in range(side)]
    values = np.ones((side, side))
    plotting.annotated_heatmap(axis, values, ("h", labels), ("w", labels), "z")
    assert not axis.texts
    plt.close(figure)


NAN = np.nan


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([[0.1, 0.5], [NAN, 2.0]], ("viridis", 0.1, 2.0)),
        ([[0.0, 0.5], [NAN, 2.0]], ("viridis", 0.0, 2.0)),  # zero shares either sign
        ([[-0.1, -0.5], [NAN, -2.0]], ("viridis_r", -2.0, -0.1)),
        ([[-0.5, 2.0], [NAN, 0.1]], ("RdBu_r", -2.0, 2.0)),
        ([[-3.0, 2.0], [NAN, 0.0]], ("RdBu_r", -3.0, 3.0)),
        ([[0.3, 1.2], [np.inf, -np.inf]], ("viridis", 0.3, 1.2)),  # finite values only
    ],
)
def test_heatmap_scale_is_sequential_where_values_share_a_sign(values, expected):
    cmap, vmin, vmax = plotting.heatmap_scale(np.array(values))
    assert (cmap, vmin, vmax) == pytest.approx(expected)


@pytest.mark.parametrize("values", [[NAN, NAN], [0.0, 0.0], [0.4, 0.4, NAN], [-2.0]])
def test_heatmap_scale_of_a_constant_or_empty_map_is_a_usable_range(values):
    cmap, vmin, vmax = plotting.heatmap_scale(np.array(values))
    assert cmap in ("viridis", "viridis_r")
    assert np.isfinite([vmin, vmax]).all()
    assert vmin < vmax
    finite = np.array(values)[np.isfinite(values)]
    assert ((vmin <= finite) & (finite <= vmax)).all()


def test_phase_advance_heatmaps_use_each_kernels_own_scale():
    """One kernel only advances (sequential, its data's range), the other advances and
    delays (diverging, symmetric about 0)."""
    import xarray as xr

    from pulsesweep.figures.response_figures import plot_phase_advance_heatmaps

    advances = np.array([[[0.05, 0.1], [0.2, 0.4]], [[-0.3, 0.1], [0.2, 0.6]]])[..., None]
    responses = xr.Dataset(
        {"phase_advance": (("kernel", "height", "width", "seed"), advances)},
        coords={"kernel": ["box", "gaussian"], "height": [1e-9, 2e-9], "width": [1e-3, 2e-3]},
    )
    figure = plot_phase_advance_heatmaps(responses, {})
    meshes = {axis.get_title(): axis.collections[0] for axis in figure.axes if axis.get_title()}
    assert meshes["box"].get_cmap().name == "viridis"
    assert meshes["box"].get_clim() == pytest.approx((0.05, 0.4))
    assert meshes["gaussian"].get_cmap().name == "RdBu_r"
    assert meshes["gaussian"].get_clim() == pytest.approx((-0.6, 0.6))
    plt.close(figure)


def _luminance(colours):
    return np.asarray(colours)[:, :3] @ [0.2126, 0.7152, 0.0722]


@pytest.mark.parametrize("n_widths", range(3, 21))
def test_neighbouring_widths_have_clearly_different_colours_in_order(n_widths):
    """Widths spaced geometrically, as sweeps space them (by value, the narrow ones got
    near-identical colours), given unsorted and repeated as in a table of pulses: one
    colour per width, lightness growing with width, neighbours at least 0.15 apart in
    RGB, or, for more than 7 widths, their even share of the palette."""
    widths = np.geomspace(0.5, 20.0, n_widths)
    palette = plotting.width_palette(np.random.default_rng(3).permutation(np.repeat(widths, 3)))
    assert list(palette) == pytest.approx(list(widths))
    colours = np.array(list(palette.values()))
    steps = np.linalg.norm(np.diff(colours[:, :3], axis=0), axis=1)
    assert steps.min() > min(0.15, 1.0 / (n_widths - 1))
    assert (np.diff(_luminance(colours)) > 0).all()
    assert _luminance(colours)[-1] < 0.8  # the widest is not a pale yellow on white


def test_width_colours_depend_on_the_order_of_widths_only():
    spaced = plotting.width_palette([0.5, 1.0, 2.0, 20.0])
    even = plotting.width_palette([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(list(spaced.values()), list(even.values()))
    assert list(plotting.width_palette([7.0])) == [7.0]
    assert plotting.width_palette([NAN, 2.0]).keys() == {2.0}


#: What the residuals' figure reads of the config: the neuron model, the LIF (with theory).
LIF = {"network": {"model": "lif"}}


def _residuals(n_pulses: int, no_theory: tuple[str, ...] = ()):
    """Spike advances of ``n_pulses`` pulses per height and width, whose residuals span
    round-off to tens of µs of either sign; NaN theory for the kernels ``no_theory``."""
    import xarray as xr

    rng = np.random.default_rng(0)
    kernels = ["box", *no_theory]
    shape = (len(kernels), 4, 2, 1, n_pulses)
    dims = ("kernel", "height", "width", "seed", "pulse")
    theory = rng.uniform(0, 5e-3, shape)
    residual = rng.choice([1e-14, -3e-7, 2e-6, -4e-5], shape) * rng.uniform(0.5, 1.5, shape)
    theory[len(kernels) - len(no_theory) :] = np.nan
    return xr.Dataset(
        {
            "pulse_spike_advance_theory": (dims, theory),
            "pulse_spike_advance": (dims, theory + residual),
            "pulse_theory_residual": (dims, residual + 0 * theory),
        },
        coords={
            "kernel": kernels,
            "height": [-1e-9, 0.0, 2e-9, 5e-9],  # 0: the control, left out
            "width": [1e-3, 3e-3],
            "seed": [0],
        },
    )


@pytest.mark.parametrize(("n_pulses", "image"), [(100, False), (1000, True)])
def test_large_scatters_are_an_image_inside_vector_files(tmp_path, n_pulses, image):
    from pulsesweep.figures.drawing import save_figure
    from pulsesweep.figures.theory_figures import plot_theory_residuals

    [svg] = save_figure(plot_theory_residuals(_residuals(n_pulses), LIF), tmp_path / "r", ["svg"])
    text = svg.read_text()
    assert ("<image" in text) is image
    assert "pulse height (nA)" in text  # labels stay text
    assert (text.count("<use ") >= 6 * n_pulses) is not image  # one path use per point


def _panel(figure, kernel):
    [axis] = [axis for axis in figure.axes if axis.get_title().split(":")[0] == kernel]
    return axis


def test_theory_residuals_are_drawn_in_microseconds_against_height():
    """Each pulse's residual at its height, coloured by its width, on a symmetric-log
    axis linear within 0.1 µs about a dashed zero line; a kernel without theory says so."""
    from pulsesweep.figures.theory_figures import NO_THEORY, plot_theory_residuals

    responses = _residuals(4, no_theory=("double_exponential",))
    figure = plot_theory_residuals(responses, LIF)
    box = _panel(figure, "box")
    assert box.get_yscale() == "symlog"
    assert box.yaxis.get_transform().linthresh == pytest.approx(0.1)
    [zero] = [line for line in box.lines if line.get_linestyle() == "--"]
    assert set(zero.get_ydata()) == {0.0}
    drawn = np.concatenate([points.get_offsets() for points in box.collections])
    expected = responses["pulse_theory_residual"].sel(kernel="box", height=[-1e-9, 2e-9, 5e-9])
    expected = expected.to_dataframe().reset_index()
    expected = np.column_stack([expected["height"] * 1e9, expected["pulse_theory_residual"] * 1e6])
    np.testing.assert_allclose(sorted(map(tuple, drawn)), sorted(map(tuple, expected)))
    bottom, top = box.get_ylim()
    assert bottom == -top
    assert top >= np.abs(expected[:, 1]).max()
    palette = plotting.width_palette([1.0, 3.0])
    colours = [points.get_facecolor()[0][:3] for points in box.collections]
    np.testing.assert_allclose(colours, [colour[:3] for colour in palette.values()])
    own = _panel(figure, "double_exponential")
    assert not own.collections
    assert not own.lines
    assert [text.get_text() for text in own.texts] == [NO_THEORY]
    assert NO_THEORY not in [text.get_text() for text in box.texts]
    plt.close(figure)


def test_theory_residuals_say_so_where_the_neurons_do_not_fire_tonically():
    from pulsesweep.figures.theory_figures import plot_theory_residuals

    responses = _residuals(3)
    responses = responses.map(lambda variable: variable * np.nan)
    figure = plot_theory_residuals(responses, LIF)
    [axis] = figure.axes
    assert [text.get_text() for text in axis.texts] == [plotting.NO_PHASE]
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
