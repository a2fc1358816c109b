"""The Snakemake workflow end to end on config/test.yaml, dry runs, lint and bad input."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from conftest import ROOT, TEST_CONFIG, merge, snakemake
from matplotlib import image

from pulsesweep.config.resolution import load_config
from pulsesweep.config.steps import STEPS
from pulsesweep.figures.registry import FIGURE_NAMES
from pulsesweep.simulation.reader import read_spike_trains

pytestmark = pytest.mark.slow


def planned_jobs(output: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run, as {rule: count}."""
    table = output.split("Job stats:")[1].split("total")[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", table, re.MULTILINE)}


@pytest.fixture(scope="module")
def workflow_run(local_test_run) -> Path:
    return local_test_run


@pytest.fixture(scope="module")
def responses(workflow_run) -> xr.Dataset:
    with xr.open_dataset(workflow_run / "results" / "responses.nc") as dataset:
        return dataset.load()


def test_responses_follow_the_contract(responses):
    config = load_config(TEST_CONFIG)
    assert responses["extra_spikes"].dims == ("kernel", "height", "width", "seed")
    assert list(responses["kernel"].values) == config["sweep"]["kernels"]
    np.testing.assert_allclose(responses["height"], np.array(config["sweep"]["heights_nA"]) * 1e-9)
    np.testing.assert_allclose(responses["width"], np.array(config["sweep"]["widths_ms"]) * 1e-3)
    expected_units = {
        "extra_spikes": "1",
        "rate_change": "Hz",
        "first_spike_latency": "s",
        "phase_advance": "1",
        "charge": "C",
        "height": "A",
        "width": "s",
    }
    for name, units in expected_units.items():
        assert responses[name].attrs["units"] == units, name
        assert responses[name].attrs["long_name"], name
    assert responses["pulse_extra_spikes"].dims[-1] == "pulse"
    assert yaml.safe_load(responses.attrs["config"]) == STEPS["aggregate"].params(config)
    assert responses.attrs["brian2_version"]


def test_height_zero_gives_exactly_zero(responses):
    at_zero = responses.sel(height=0.0)
    assert (at_zero["pulse_extra_spikes"] == 0).all()
    assert (at_zero["pulse_phase_advance"].fillna(0) == 0).all()
    assert (at_zero["extra_spikes"] == 0).all()
    assert (at_zero["phase_advance"] == 0).all()
    assert float(at_zero["pulse_usable"].sum()) > 0


def test_extra_spikes_never_decrease_with_height(responses):
    steps = responses["extra_spikes"].diff("height")
    assert (steps >= 0).all()
    usable = responses["pulse_usable"].all("height")
    per_pulse = responses["pulse_extra_spikes"].where(usable).diff("height")
    assert (per_pulse.fillna(0) >= 0).all()
    assert (responses["extra_spikes"].isel(height=-1) > 0).any()


def test_extra_spikes_agree_with_a_count_from_the_simulation_files(workflow_run, responses):
    """Recount one pulse directly from the netCDF files, without pulsesweep's metrics."""
    simulations = workflow_run / "results" / "simulations"
    with xr.open_dataset(simulations / "kernel-alpha_height-all_width-all_seed-1.nc") as data:
        point = int(
            np.flatnonzero((data["height"].values == 10e-9) & (data["width"].values == 4e-3))[0]
        )
        control = int(np.flatnonzero(data["height"].values == 0)[0])
        onset = float(data["pulse_time"].values[data["pulse_point"].values == point][0])
        neuron = int(data["pulse_neuron"].values[data["pulse_point"].values == point][0])

        def count(index):
            times = read_spike_trains(data, index, neuron)
            return int(((times >= onset) & (times < onset + 0.05)).sum())

        expected = count(point) - count(control)
    actual = (
        responses["pulse_extra_spikes"]
        .sel(kernel="alpha", height=10e-9, width=4e-3, seed=1)
        .values[0]
    )
    assert actual == expected


def test_charge_coordinate_is_height_times_width_times_integral(responses):
    box = responses["charge"].sel(kernel="box")
    expected = responses["height"] * responses["width"]
    np.testing.assert_allclose(box.transpose("height", "width"), expected, rtol=1e-12)


def test_every_figure_is_a_drawn_image(workflow_run):
    for name in FIGURE_NAMES:
        pixels = image.imread(workflow_run / "results" / "figures" / f"{name}.png")
        assert min(pixels.shape[:2]) > 300, name
        assert pixels[..., :3].std() > 0.05, f"{name} is blank"
        svg = (workflow_run / "results" / "figures" / f"{name}.svg").read_text()
        assert svg.startswith("<?xml")
        assert "<svg" in svg
        assert any(units in svg for units in ("(nA)", "(ms)", "(pC)", "(cycles)")), name


def test_every_rule_logged_and_benchmarked(workflow_run):
    logs = list((workflow_run / "results" / "logs").rglob("*.log"))
    benchmarks = list((workflow_run / "results" / "benchmarks").rglob("*.tsv"))
    # 4 simulations, 1 shared build, examples, aggregation, theory curves, two figure jobs
    assert len(logs) == len(benchmarks) == 4 + 1 + 1 + 1 + 1 + 2
    simulate_log = (
        workflow_run
        / "results"
        / "logs"
        / "simulate"
        / "kernel-box_height-all_width-all_seed-0.log"
    )
    # 2 heights x 2 widths + the control, 10 neurons each, 2 s at 0.1 ms
    assert "simulated 50 neurons x 20000 steps" in simulate_log.read_text()
    assert "cpp_standalone" in simulate_log.read_text()


def test_nothing_to_do_after_a_run(workflow_run):
    result = snakemake(workflow_run, "-n", "--configfile", str(TEST_CONFIG))
    assert "Nothing to be done" in result.stdout + result.stderr


def test_config_change_reruns_only_the_jobs_it_changes(workflow_run, tmp_path):
    config = yaml.safe_load(TEST_CONFIG.read_text())
    new_seed = tmp_path / "new_seed.yaml"
    new_seed.write_text(yaml.safe_dump(merge(config, {"simulation": {"seeds": [0, 1, 2]}})))
    jobs = planned_jobs(snakemake(workflow_run, "-n", "--configfile", str(new_seed)).stdout)
    assert jobs["simulate"] == 2  # one job per kernel for the new seed, with its control
    assert "build_simulator" not in jobs  # same model shape: the build is reused
    assert jobs["aggregate"] == 1
    new_window = tmp_path / "new_window.yaml"
    new_window.write_text(yaml.safe_dump(merge(config, {"analysis": {"window_ms": 80.0}})))
    jobs = planned_jobs(snakemake(workflow_run, "-n", "--configfile", str(new_window)).stdout)
    assert "simulate" not in jobs
    assert jobs["aggregate"] == 1


@pytest.mark.parametrize(
    ("batch_axes", "simulate_jobs", "builds"),
    [
        (["height", "width", "seed"], 5, 1),  # the default: a job per kernel
        (["height", "width"], 5 * 3, 1),  # a job per kernel and seed, controls inside
        ([], 3 + 5 * 7 * 6 * 3, 2),  # a control per seed, one pulsed point per job
        (["kernel", "height", "width", "seed"], 1, 1),
    ],
)
def test_dry_run_of_the_default_config_plans_the_expected_jobs(
    tmp_path, batch_axes, simulate_jobs, builds
):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"jobs": {"batch_axes": batch_axes}}))
    jobs = planned_jobs(snakemake(tmp_path, "-n", "--configfile", str(config)).stdout)
    assert jobs["simulate"] == simulate_jobs
    assert jobs["build_simulator"] == builds
    assert jobs["aggregate"] == 1
    assert {rule: count for rule, count in jobs.items() if rule.startswith("plot_")} == {
        "plot_responses": 1,
        "plot_examples": 1,
    }


def test_lint_is_clean(tmp_path):
    result = snakemake(tmp_path, "--lint", "--configfile", str(TEST_CONFIG))
    output = result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in output
    assert "Lints for" not in output


def test_every_figure_renders_from_the_default_sweeps_grid(tmp_path):
    """The default config's whole grid (5 kernels, 8 heights, 6 widths, 3 seeds), on a
    smaller population and a shorter run so that it takes seconds."""
    config = tmp_path / "default_grid.yaml"
    config.write_text(
        yaml.safe_dump({"network": {"n_neurons": 5}, "simulation": {"duration_s": 2.0}})
    )
    snakemake(tmp_path, "--cores", "2", "--configfile", str(config))
    for name in FIGURE_NAMES:
        pixels = image.imread(tmp_path / "results" / "figures" / f"{name}.png")
        assert pixels[..., :3].std() > 0.05, f"{name} is blank"


def test_subthreshold_bias_runs_end_to_end(tmp_path):
    """R I0 < Vt (the excitable regime): pulses evoke spikes with a latency; phase metrics
    are NaN, and every figure still draws (with a note where it has nothing to show)."""
    config = tmp_path / "excitable.yaml"
    config.write_text(
        yaml.safe_dump(
            merge(
                yaml.safe_load(TEST_CONFIG.read_text()),
                {"network": {"bias_current_nA": 12.0}, "sweep": {"heights_nA": [0, 5, 20, 50]}},
            )
        )
    )
    snakemake(tmp_path, "--cores", "2", "--configfile", str(config))
    with xr.open_dataset(tmp_path / "results" / "responses.nc") as responses:
        assert responses["phase_advance"].isnull().all()
        assert responses["spike_advance"].isnull().all()
        evoked = responses["extra_spikes"].isel(height=-1)  # 50 nA
        assert (evoked >= 1).all()  # a 50 nA pulse fires every neuron from rest
        assert np.isfinite(responses["first_spike_latency"].isel(height=-1)).all()
        assert (responses["extra_spikes"].sel(height=0.0) == 0).all()
    for name in FIGURE_NAMES:
        pixels = image.imread(tmp_path / "results" / "figures" / f"{name}.png")
        assert pixels[..., :3].std() > 0.02, f"{name} is blank"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sweep": {"kernels": ["box", "triangle"]}}, "sweep.kernels.1 = 'triangle'"),
        ({"analysis": {"window_ms": 500.0}}, "analysis.window_ms = 500.0"),
        ({"jobs": {"batch_axes": ["neuron"]}}, "jobs.batch_axes.0 = 'neuron'"),
        ({"analysis": {"criterion_value": 0}}, "analysis.criterion_value = 0"),
        (
            {
                "network": {"bias_current_nA": 12.0},
                "analysis": {"criterion_metric": "phase_advance"},
            },
            "analysis.criterion_metric = 'phase_advance'",
        ),
    ],
)
def test_bad_config_fails_before_any_job_and_writes_nothing(tmp_path, overrides, message):
    config = tmp_path / "bad.yaml"
    config.write_text(yaml.safe_dump(merge(yaml.safe_load(TEST_CONFIG.read_text()), overrides)))
    result = snakemake(tmp_path, "--cores", "1", "--configfile", str(config), check=False)
    assert result.returncode != 0
    assert result.stderr.count(message) == 1
    assert not (tmp_path / "results").exists()


def test_figures_drawn_side_by_side_equal_figures_drawn_one_by_one(workflow_run, tmp_path):
    from pulsesweep.figures.drawing import write_figures

    config = load_config(TEST_CONFIG)
    responses = workflow_run / "results" / "responses.nc"
    names = ["phase_response_curve", "theory_residuals", "extra_spikes_vs_height"]
    serial = write_figures(config, responses, names, tmp_path / "serial")
    forked = write_figures(config, responses, names, tmp_path / "forked", processes=2)
    assert [path.name for path in forked] == [path.name for path in serial]
    for one, other in zip(serial, forked, strict=True):
        assert one.read_bytes() == other.read_bytes(), one.name


def test_every_figure_of_the_registry_has_a_drawing_function_and_a_report_caption():
    from pulsesweep.figures.registry import FIGURES

    for name, entry in FIGURES.items():
        assert callable(entry.draw_function()), name
        assert (ROOT / "workflow" / "report" / f"{name}.rst").is_file(), name
    assert sorted(path.stem for path in (ROOT / "workflow" / "report").glob("*.rst")) == sorted(
        [*FIGURE_NAMES, "workflow"]
    )


def test_a_configs_own_kernel_runs_end_to_end(tmp_path):
    """A double exponential defined in the config: swept beside the box, its charge the
    closed form's, its responses growing with height, every figure drawn."""
    config = tmp_path / "own.yaml"
    config.write_text(
        yaml.safe_dump(
            merge(
                yaml.safe_load(TEST_CONFIG.read_text()),
                {
                    "kernels": {"double_exponential": {"shape": "exp(-s) - exp(-3*s)"}},
                    "sweep": {"kernels": ["box", "double_exponential"]},
                },
            )
        )
    )
    snakemake(tmp_path, "--cores", "2", "--configfile", str(config))
    with xr.open_dataset(tmp_path / "results" / "responses.nc") as responses:
        own = responses.sel(kernel="double_exponential")
        end = responses.attrs["window"] / responses["width"]  # the window, in s
        integral = -np.expm1(-end) + np.expm1(-3 * end) / 3  # of exp(-s) - exp(-3 s)
        expected = responses["height"] * responses["width"] * integral
        np.testing.assert_allclose(
            own["charge"], expected.transpose(*own["charge"].dims), rtol=1e-12
        )
        extra = own["extra_spikes"].mean("seed")
        assert (extra.diff("height") >= 0).all()
        assert float(extra.isel(height=-1).max()) > 0
    for name in FIGURE_NAMES:
        pixels = image.imread(tmp_path / "results" / "figures" / f"{name}.png")
        assert pixels[..., :3].std() > 0.02, f"{name} is blank"
