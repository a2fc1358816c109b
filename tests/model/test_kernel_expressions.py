"""Kernels from the config: parsed without eval, integrated exactly or by quadrature,
checked against scipy's adaptive quadrature, refused in one line when they cannot work."""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import numpy as np
import pytest
from conftest import SMALL, merge
from scipy import integrate

from pulsesweep.config.resolution import resolve_config
from pulsesweep.errors import ConfigError
from pulsesweep.model.kernel_expressions import ExpressionKernel
from pulsesweep.model.kernels import KERNELS, custom_kernels, shape_problem
from pulsesweep.model.stimulus import pulse_train
from pulsesweep.simulation.shapes import ModelShape

#: (expression, start, stop, a function written here, whether sympy integrates it)
CASES = [
    ("exp(-s) - exp(-3*s)", 0.0, math.inf, lambda s: np.exp(-s) - np.exp(-3 * s), True),
    ("1/(1 + s)**2", 0.0, math.inf, lambda s: 1 / (1 + s) ** 2, True),
    ("exp(-abs(s))", -10.0, math.inf, lambda s: np.exp(-abs(s)), True),
    ("s", 0.0, 1.0, lambda s: s, True),
    ("sin(s)**2 * exp(-s**3)", 0.0, math.inf, lambda s: np.sin(s) ** 2 * np.exp(-(s**3)), False),
]


@pytest.mark.parametrize(("expression", "start", "stop", "function", "exact"), CASES)
def test_integrals_agree_with_adaptive_quadrature(expression, start, stop, function, exact):
    kernel = ExpressionKernel.of(expression, start, stop)
    assert kernel.exact is exact
    rng = np.random.default_rng(1)
    ends = np.sort(rng.uniform(start - 1, start + 12, size=(40, 2)), axis=1)
    actual = kernel.integral(ends[:, 0], ends[:, 1])
    for (a, b), value in zip(ends, actual, strict=True):
        low, high = max(a, start), min(b, stop)
        expected = (
            integrate.quad(function, low, high, epsabs=1e-14, epsrel=1e-12)[0]
            if high > low
            else 0.0
        )
        assert value == pytest.approx(expected, rel=1e-10, abs=1e-13), (a, b)
    np.testing.assert_array_equal(kernel.shape(np.array([start - 0.5])), [0.0])


def test_quadrature_of_one_step_is_exact_to_rounding_for_smooth_kernels():
    """Gauss–Legendre of order 8 over a step of a tenth of the width (0.1 ms at 1 ms)."""
    kernel = ExpressionKernel.of("sin(s)**2 * exp(-s**3)", 0.0, math.inf)
    edges = np.arange(0.0, 3.0, 0.1)
    expected = [
        integrate.quad(lambda s: np.sin(s) ** 2 * np.exp(-(s**3)), a, a + 0.1, epsabs=1e-16)[0]
        for a in edges
    ]
    np.testing.assert_allclose(
        kernel.integral(edges, edges + 0.1), expected, rtol=1e-12, atol=1e-17
    )


STEPS = [2e-4, 1e-3, 5e-3, 0.02, 0.05, 0.2]


@pytest.mark.parametrize(
    ("expression", "function", "step"),
    [
        *(("sin(s)**2 * exp(-s**3)", lambda s: np.sin(s) ** 2 * np.exp(-(s**3)), h) for h in STEPS),
        *(("exp(-s)/(1 + s**2)", lambda s: np.exp(-s) / (1 + s**2), h) for h in STEPS),
        *(  # a peak 0.07 wide: order 8 resolves it on steps up to 0.05
            ("exp(-100*(s - 1)**2)/(1 + s)", lambda s: np.exp(-100 * (s - 1) ** 2) / (1 + s), h)
            for h in STEPS[:-1]
        ),
    ],
)
def test_steps_of_any_length_are_integrated_to_rounding(expression, function, step):
    """Steps of dt/w from 2e-4 (0.1 ms at 500 ms) to 0.2 (0.1 ms at 0.5 ms), each on the
    fewest nodes that its length allows (two or three for short steps; a narrow peak
    keeps more), against adaptive quadrature; the fewer nodes are in use."""
    kernel = ExpressionKernel.of(expression, 0.0, math.inf)
    assert not kernel.exact
    orders = dict(kernel.orders)
    assert orders[2] > 0
    assert orders[2] <= orders[3] <= orders[4] <= orders[6]
    edges = np.arange(0.0, 3.0, step)[:: max(1, int(0.05 / step))]
    expected = [integrate.quad(function, a, a + step, epsabs=1e-20, epsrel=1e-12)[0] for a in edges]
    scale = step * np.max(function(np.linspace(0, 3, 3001)))
    np.testing.assert_allclose(
        kernel.integral(edges, edges + step), expected, rtol=0, atol=1e-13 * scale
    )


@pytest.mark.parametrize("name", KERNELS)
def test_each_built_in_as_an_expression_has_the_built_ins_integrals(name):
    built_in = KERNELS[name]
    generic = ExpressionKernel.of(built_in.expression, built_in.start, built_in.stop)
    assert generic.exact
    s = np.linspace(built_in.start - 1, min(built_in.stop, 30.0) + 1, 400)
    np.testing.assert_allclose(
        generic.integral(np.full_like(s, built_in.start), s),
        built_in.integral(np.full_like(s, built_in.start), s),
        rtol=1e-12,
        atol=1e-14,
    )


@pytest.mark.parametrize("expression", ["exp(-s) - exp(-3*s)", "sin(s)**2 * exp(-s**3)"])
def test_the_pulse_current_delivers_the_kernels_charge(expression):
    """The step averages of a pulse, times dt, add up to its charge (off the grid)."""
    (kernel,) = custom_kernels({"charged": {"shape": expression}}).values()
    dt, width, onset = 1e-4, 2.3e-3, 0.01237
    train = pulse_train("charged", width, [onset], dt, 20_000)
    charge = train.sum() * dt / width  # in units of s: the integral of k
    assert charge == pytest.approx(kernel.total, rel=1e-12)


@pytest.mark.parametrize(
    "expression",
    ["exp(-s", "exp(-t)", "__import__('os').system('true')", "s.real", "exp(-s, 2)", "'s'", "[s]",
     "lambda: s", "s if s else 1"],
)  # fmt: skip
def test_expressions_that_are_not_arithmetic_of_s_are_refused(expression):
    assert shape_problem(expression)


def _own(**definition):
    return merge(SMALL, {"kernels": {"mine": definition}, "sweep": {"kernels": ["box", "mine"]}})


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"shape": "exp(-s"}, "shape = 'exp(-s'; allowed: an expression of s that parses"),
        (
            {"shape": "exp(-t)"},
            "shape = 'exp(-t)'; allowed: an expression of s alone (unknown name 't')",
        ),
        ({"shape": "exp(-s)", "start": 2, "stop": 1}, "start = 2; allowed: a value below stop (1)"),
        ({"shape": "1/s"}, "shape = '1/s'; allowed: finite values for s in [0, 50]"),
        ({"shape": "0*s"}, "shape = '0*s'; allowed: a shape that is not zero everywhere"),
    ],
)
def test_a_kernel_that_cannot_work_is_refused_in_one_line(definition, message):
    with pytest.raises(ConfigError) as error:
        resolve_config(_own(**definition))
    assert str(error.value).startswith(f"invalid config: kernels.mine.{message}")
    assert "\n" not in str(error.value)


def test_a_built_in_name_cannot_be_redefined():
    config = merge(SMALL, {"kernels": {"box": {"shape": "s"}}})
    with pytest.raises(ConfigError, match=r"^invalid config: kernels\.box = "):
        resolve_config(config, science=False)


def test_a_build_carries_the_configs_own_kernels_and_they_name_it():
    own = merge(_own(shape="exp(-s) - exp(-3*s)"), {"simulation": {"target": "cpp_standalone"}})
    config = resolve_config(own)
    from pulsesweep.jobs import model_shapes

    (shape, *_) = model_shapes(config).values()
    assert shape.kernels == (("mine", "exp(-s) - exp(-3*s)", 0.0, None),)
    assert ModelShape(**json.loads(json.dumps(asdict(shape)))) == shape
    plain = ModelShape(shape.n_neurons, shape.n_steps, shape.n_pulses, shape.dt, shape.method)
    assert shape.key.startswith(plain.key + "_k")
    assert shape.key != plain.key
