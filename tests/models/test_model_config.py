"""A model of ``models:`` in the config: every bad input is one line naming its key,
before any simulation, from the package, the command line and Snakemake alike."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import snakemake

from pulsesweep.config.resolution import merge_configs, read_config_file, resolve_config
from pulsesweep.errors import ConfigError
from pulsesweep.model.population import draw_population

ROOT = Path(__file__).resolve().parents[2]
ADEX = read_config_file(ROOT / "config" / "examples" / "adex.yaml")


def adex(**changes: object) -> dict:
    """The AdEx example with ``models.adex`` keys changed."""
    return merge_configs(ADEX, {"models": {"adex": changes}})


#: A bad model: (its config, the key the error names, words the error says).
BAD_MODELS = {
    "equations that do not parse": (
        adex(equations="dv/dt = (EL - v)/tau : volt\nnonsense here"),
        "models.adex.equations",
        "Brian2's syntax",
    ),
    "an unknown name": (
        adex(equations="dv/dt = (gL*(EL - v) + I)/C + v/tau_m : volt\ndw/dt = -w/tau_w : amp"),
        "models.adex.equations",
        "tau_m: unknown",
    ),
    "an unknown name in the threshold": (
        adex(threshold="v > V_spike"),
        "models.adex.threshold",
        "V_spike: unknown",
    ),
    "inconsistent units in the equations": (
        adex(equations="dv/dt = (gL*(EL - v) + I)/C + w : volt\ndw/dt = -w/tau_w : amp"),
        "models.adex.equations",
        "units",
    ),
    "inconsistent units in the reset": (
        adex(reset="v = Vr\nw += a"),
        "models.adex.reset",
        "unit",
    ),
    "a current the equations do not use": (
        adex(current="I_syn"),
        "models.adex.current",
        "input current",
    ),
    "a current the equations define": (
        adex(equations="dv/dt = (gL*(EL - v) + I)/C : volt\nI : amp\ndw/dt = -w/tau_w : amp"),
        "models.adex.current",
        "do not define",
    ),
    "noise in the equations": (
        adex(
            equations="dv/dt = (gL*(EL - v) + I)/C + 2*mV*xi/sqrt(ms) : volt\n"
            "dw/dt = -w/tau_w : amp"
        ),
        "models.adex.equations",
        "deterministic",
    ),
    "random numbers in the reset": (
        adex(reset="v = Vr + rand()*mV\nw += b"),
        "models.adex.reset",
        "deterministic",
    ),
    "a parameter that is not a quantity": (
        adex(parameters={"C": "281*picofarads"}),
        "models.adex.parameters.C",
        "not a Brian2 unit",
    ),
    "a heterogeneous name that is no parameter": (
        adex(heterogeneous=["C", "tau_m"]),
        "models.adex.heterogeneous.1",
        "a name of models.adex.parameters",
    ),
    "an initial value of no state variable": (
        adex(initial={"u": "-70*mV"}),
        "models.adex.initial.u",
        "state variable",
    ),
    "an initial value in the wrong unit": (
        adex(initial={"v": "3*nA"}),
        "models.adex.initial.v",
        "volt",
    ),
    "a threshold nothing resets": (
        adex(reset="w += b"),
        "models.adex.reset",
        "every step",
    ),
    "a method that does not apply": (
        adex(method="exact"),
        "models.adex.method",
        "exact",
    ),
    "a model nobody defined": (
        merge_configs(ADEX, {"network": {"model": "izhikevich"}}),
        "network.model",
        "lif, adex",
    ),
}


@pytest.mark.parametrize("case", BAD_MODELS)
def test_a_bad_model_is_refused_naming_its_key(case):
    config, key, words = BAD_MODELS[case]
    with pytest.raises(ConfigError) as caught:
        resolve_config(config)
    message = str(caught.value)
    assert caught.value.key == key
    assert words in message
    assert "\n" not in message


def test_the_command_line_refuses_a_bad_model_in_one_line_and_writes_nothing(tmp_path):
    config, key, _ = BAD_MODELS["inconsistent units in the equations"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    output = tmp_path / "out.nc"
    result = subprocess.run(
        [sys.executable, "-m", "pulsesweep", "simulate", "--config", str(path), "--output", output],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert key in lines[0]
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == [path]


def test_snakemake_refuses_a_bad_model_before_any_job(tmp_path):
    config, key, _ = BAD_MODELS["noise in the equations"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "--cores", "1", "--configfile", str(path), check=False)
    assert result.returncode != 0
    assert key in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results").exists()


def test_a_models_neurons_are_drawn_per_seed_around_its_parameters():
    config = resolve_config(ADEX)
    first, again = draw_population(config, 0), draw_population(config, 0)
    other = draw_population(config, 1)
    assert set(first.per_neuron) == {"C", "gL"}
    for name, mean in (("C", 281e-12), ("gL", 30e-9)):  # 281*pF, 30*nS
        assert (first.per_neuron[name] == again.per_neuron[name]).all()
        assert not (first.per_neuron[name] == other.per_neuron[name]).any()
        spread = first.per_neuron[name].std() / mean
        assert 0.02 < spread < 0.1  # heterogeneity 0.05
    assert (first.initial["v"] == -70.6e-3).all()
    assert first.shared["b"] == pytest.approx(80.5e-12)


def test_a_parameter_may_not_take_a_name_of_the_simulation_file():
    from pulsesweep.model.neuron_model import FILE_NAMES
    from pulsesweep.simulation.file_format import (
        FILE_DIMENSIONS,
        MODEL_FILE_VARIABLES,
        POINT_COORDINATES,
    )

    assert set(FILE_NAMES) == {*FILE_DIMENSIONS, *MODEL_FILE_VARIABLES, *POINT_COORDINATES}
    for name in ("duration", "v_initial", "neuron"):
        parameters = {**ADEX["models"]["adex"]["parameters"], name: "1*second"}
        config = adex(parameters=parameters)
        with pytest.raises(ConfigError, match="reserved") as caught:
            resolve_config(config)
        assert caught.value.key == f"models.adex.parameters.{name}"


def test_a_build_is_made_per_model_and_carries_it():
    """The compiled model's shape holds the model (its JSON gives the same model back),
    and two models, or the LIF and a model, never share a build."""
    from pulsesweep.model.grid import grid_points
    from pulsesweep.model.neuron_model import NeuronModel, neuron_model
    from pulsesweep.simulation.shapes import ModelShape, model_shape

    config = resolve_config(ADEX, science=False)
    shape = model_shape(config, grid_points(config))
    assert ModelShape(**{**shape.__dict__}).neuron_model() == neuron_model(config)
    assert NeuronModel.from_json(shape.neuron_model().to_json()) == neuron_model(config)
    other = resolve_config(adex(threshold="v > -45*mV"), science=False)
    lif = resolve_config(merge_configs(ADEX, {"network": {"model": "lif"}}), science=False)
    keys = {model_shape(c, grid_points(c)).key for c in (config, other, lif)}
    assert len(keys) == 3
    assert model_shape(lif, grid_points(lif)).neuron_model() is None
