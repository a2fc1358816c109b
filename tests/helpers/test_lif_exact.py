"""The oracle checked on its own: its closed forms against direct numerical integration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lif_exact import KERNEL_NAMES, ExactLIF, first_spike, lif_period, pulse_response
from scipy.integrate import quad

SHAPES = {
    "exponential": lambda s: math.exp(-s) if s >= 0 else 0.0,
    "inverse_time": lambda s: 1 / (1 + s) if s >= 0 else 0.0,
    "box": lambda s: 1.0 if 0 <= s < 1 else 0.0,
    "gaussian": lambda s: math.exp(-s * s / 2),
    "alpha": lambda s: s * math.exp(1 - s) if s >= 0 else 0.0,
}
TAU = 1e-2


def _convolution(kernel: str, x: float, width: float) -> float:
    """``(1/tau) * integral of k(s/w) exp(-(x - s)/tau) ds`` over ``s <= x``, by quadrature."""
    start = -10 * width if kernel == "gaussian" else 0.0
    if x <= start:
        return 0.0
    breaks = [b for b in (0.0, width) if start < b < x] or None
    return quad(
        lambda s: SHAPES[kernel](s / width) * math.exp(-(x - s) / TAU) / TAU,
        start,
        x,
        points=breaks,
        epsabs=1e-15,
        epsrel=1e-12,
        limit=500,
    )[0]


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
@pytest.mark.parametrize("width", [0.5e-3, 2e-3, TAU, 20e-3])
@pytest.mark.parametrize("x", [-3e-3, 0.3e-3, 1e-3, 5e-3, 30e-3, 150e-3])
def test_pulse_response_is_the_convolution_integral(kernel, width, x):
    expected = _convolution(kernel, x, width)
    assert pulse_response(kernel, x, width, TAU) == pytest.approx(expected, rel=1e-9, abs=1e-13)


def test_unpulsed_train_is_the_closed_form_train():
    neuron = ExactLIF(
        tau=TAU, resistance=1e6, v_threshold=15e-3, v_reset=0.0, refractory=2e-3, bias=20e-9
    )
    spikes = neuron.spike_train(5e-3, 0.1)
    period = lif_period(TAU, 1e6, 20e-9, 15e-3, 0.0, 2e-3)
    first = first_spike(TAU, 1e6, 20e-9, 15e-3, 5e-3)
    np.testing.assert_allclose(spikes, first + period * np.arange(len(spikes)), rtol=0, atol=1e-12)
    assert len(spikes) == int((0.1 - first) // period) + 1
