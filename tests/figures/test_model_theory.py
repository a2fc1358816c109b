"""A model of ``models:`` has no theory: its figures draw the measurement alone and say
so, without computing the LIF theory of the config's unused LIF keys; the LIF's figures
keep their theory lines. The report's captions say the same, for that model only."""

from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr
from conftest import SMALL, merge
from matplotlib.figure import Figure
from matplotlib.text import Text

from pulsesweep.analysis.theory_curves import theory_curves
from pulsesweep.config.resolution import resolve_config
from pulsesweep.figures import response_figures, theory_figures
from pulsesweep.figures.registry import RESPONSE_FIGURES, figure_entry

ROOT = Path(__file__).resolve().parents[2]
MODEL = "adex"
NOTE = f"no theory for model {MODEL}"
#: The response figures that draw LIF theory for the LIF.
WITH_THEORY = ["extra_spikes_vs_charge", "phase_response_curve", "strength_duration"]
WITH_THEORY += ["theory_residuals"]
THEORY_VARIABLES = [
    "prc_theory",
    "threshold_height_theory",
    "pulse_spike_advance_theory",
    "pulse_theory_residual",
]


def _synthetic_responses(config: dict[str, Any]) -> xr.Dataset:
    """Per-pulse responses on the config's grid, as responses.nc has them: a phase advance
    of 0.006 cycles per pC (the LIF's small-charge slope), up to 0.9 cycles."""
    rng = np.random.default_rng(0)
    sweep = config["sweep"]
    heights = np.array(sweep["heights_nA"]) * 1e-9
    widths = np.array(sweep["widths_ms"]) * 1e-3
    shape = (len(sweep["kernels"]), len(heights), len(widths), 2, 6)
    dims = ("kernel", "height", "width", "seed", "pulse")
    charge = np.broadcast_to(heights[:, None] * widths[None, :], shape[:3])
    advance = np.minimum(6e9 * charge, 0.9)[..., None, None] * rng.uniform(0.8, 1.2, shape)
    residual = rng.normal(0.0, 1e-6, shape) * (heights != 0)[:, None, None, None]
    per_pulse = {
        "pulse_phase_advance": advance,
        "pulse_spike_advance": advance * 16e-3,
        "pulse_extra_spikes": (advance > 0.8).astype(float),
        "pulse_first_spike_latency": rng.uniform(1e-3, 5e-3, shape),
        "pulse_phase": rng.uniform(0.0, 1.0, shape),
        "pulse_usable": np.ones(shape, dtype=bool),
        "pulse_spike_advance_theory": advance * 16e-3 - residual,
        "pulse_theory_residual": residual,
    }
    responses = xr.Dataset(
        {name: (dims, values) for name, values in per_pulse.items()},
        coords={
            "kernel": list(sweep["kernels"]),
            "height": heights,
            "width": widths,
            "seed": [0, 1],
            "charge": (("kernel", "height", "width"), np.array(charge)),
        },
        attrs={"neuron_model": "lif"},
    )
    for name in ("phase_advance", "extra_spikes", "spike_advance"):
        responses[name] = responses[f"pulse_{name}"].mean("pulse")
    return responses


@pytest.fixture(scope="module")
def lif() -> tuple[dict[str, Any], xr.Dataset]:
    """A resolved LIF config, and responses merged with its theory curves (as drawing
    merges theory_curves.nc)."""
    config = resolve_config(merge(SMALL, {"sweep": {"heights_nA": [0, 5, 20, 50]}}))
    curves = theory_curves(config)
    responses = xr.merge([_synthetic_responses(config), curves], combine_attrs="override")
    return config, responses


@pytest.fixture(scope="module")
def model(lif) -> tuple[dict[str, Any], xr.Dataset]:
    """The same, for a model of ``models:``: NaN theory, and the model's name."""
    config, responses = copy.deepcopy(lif[0]), lif[1].copy()
    config["network"]["model"] = MODEL
    for name in THEORY_VARIABLES:
        responses[name] = xr.full_like(responses[name], np.nan)
    return config, responses.assign_attrs(neuron_model=MODEL)


def _draw(name: str, config: dict[str, Any], responses: xr.Dataset) -> Figure:
    entry = figure_entry(name)
    return entry.draw_function()(responses, entry.step.view(config))


def _texts(figure: Figure) -> list[Text]:
    """Every visible text of the figure (titles, notes, legends' titles and entries)."""
    figure.canvas.draw()
    return [text for text in figure.findobj(Text) if text.get_visible() and text.get_text()]


def _line_labels(figure: Figure) -> list[str]:
    return [str(line.get_label()) for axis in figure.axes for line in axis.lines]


def _fail(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("LIF theory computed for a model without theory")


@pytest.mark.parametrize("name", RESPONSE_FIGURES)
def test_a_model_without_theory_draws_no_theory_and_says_so(name, model, monkeypatch):
    """No theory line, no LIF theory computed; where the LIF's figure has theory, a note
    inside the figure says the model has none."""
    for function in ("charge_slope_theory", "slow_pulse_theory"):
        monkeypatch.setattr(response_figures, function, _fail)
    monkeypatch.setattr(theory_figures, "mean_neuron", _fail)
    figure = _draw(name, *model)
    assert not [label for label in _line_labels(figure) if "theory" in label.lower()]
    notes = [text for text in _texts(figure) if text.get_text() == NOTE]
    assert len(notes) == (name in WITH_THEORY)
    inside = figure.bbox
    for text in notes:  # drawn within the figure, where it can be read
        extent = text.get_window_extent()
        assert inside.x0 <= extent.x0 < extent.x1 <= inside.x1
        assert inside.y0 <= extent.y0 < extent.y1 <= inside.y1
    plt.close(figure)


@pytest.mark.parametrize(
    ("name", "labels"),
    [
        ("extra_spikes_vs_charge", ["LIF theory: small charge", "LIF theory, slow pulse, box"]),
        ("phase_response_curve", ["LIF theory"]),
        ("strength_duration", ["LIF theory, box", "LIF theory, exponential"]),
        ("theory_residuals", ["measured = LIF theory"]),
    ],
)
def test_the_lif_keeps_its_theory_lines(name, labels, lif):
    figure = _draw(name, *lif)
    drawn = [
        line
        for axis in figure.axes
        for line in axis.lines
        if any(str(line.get_label()).startswith(label) for label in labels)
    ]
    for label in labels:
        assert any(str(line.get_label()).startswith(label) for line in drawn), label
    assert all(np.isfinite(np.asarray(line.get_ydata(), dtype=float)).any() for line in drawn)
    assert all(line.get_linestyle() == "--" for line in drawn)
    assert not [text for text in _texts(figure) if "no theory" in text.get_text()]
    plt.close(figure)


def _examples(**attrs: Any) -> xr.Dataset:
    time = np.arange(0.0, 0.02, 1e-4)
    kernels = ["box", "exponential"]
    return xr.Dataset(
        {
            "current": (("kernel", "time"), np.ones((2, time.size)) * 1e-9),
            "potential": (("kernel", "time"), np.ones((2, time.size)) * 1e-2),
            "control_potential": (("time",), np.zeros(time.size)),
        },
        coords={"kernel": kernels, "time": time},
        attrs=attrs,
    )


@pytest.mark.parametrize(
    ("attrs", "thresholds"),
    [
        ({"neuron_model": "lif", "v_threshold": 0.015}, [15.0]),
        ({"neuron_model": MODEL, "threshold": "v > -40*mV"}, []),
    ],
)
def test_example_traces_draw_the_threshold_only_where_it_is_a_potential(attrs, thresholds):
    figure = response_figures.plot_examples(_examples(**attrs), {})
    for axis in figure.axes[2:]:  # the potentials' row
        dotted = [line for line in axis.lines if line.get_linestyle() == ":"]
        assert [float(line.get_ydata()[0]) for line in dotted] == thresholds
        assert len(axis.lines) == 2 + len(thresholds)
    plt.close(figure)


def _caption(name: str, model_name: str) -> str:
    """The caption as Snakemake's report renders it (Jinja2, with the workflow's config
    as ``snakemake.config``)."""
    import jinja2

    snakemake = SimpleNamespace(config={"network": {"model": model_name}})
    text = (ROOT / "workflow" / "report" / f"{name}.rst").read_text()
    environment = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    return environment.from_string(text).render(snakemake=snakemake)


def _sentences(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", WITH_THEORY)
def test_captions_say_the_model_has_no_theory_for_that_model_only(name):
    own, lif = _caption(name, MODEL), _caption(name, "lif")
    assert f"The model {MODEL} has no theory, so" in _sentences(own)
    assert "has no theory" not in lif
    assert own.startswith(lif.rstrip("\n"))  # the LIF's caption, and the sentence
    assert "{" not in lif + own  # every template tag rendered


def test_example_traces_caption_has_the_threshold_line_for_the_lif_only():
    own, lif = (
        _sentences(_caption("example_traces", MODEL)),
        _sentences(_caption("example_traces", "lif")),
    )
    assert "the dotted line is its threshold. Single traces" in lif
    assert "dotted" not in own
    assert "there). Single traces" in own
    assert f"The model {MODEL} has a threshold condition" in own
    assert "threshold condition" not in lif
