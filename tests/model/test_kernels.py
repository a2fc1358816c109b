"""Kernels and the pulse table: declared charge, conservation, superposition."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from pulsesweep.model.kernels import KERNELS, get_kernel
from pulsesweep.model.stimulus import pulse_train

FINITE = [name for name, kernel in KERNELS.items() if kernel.total_integral is not None]


@pytest.mark.parametrize("name", FINITE)
def test_declared_charge_equals_numerical_integral(name):
    kernel = get_kernel(name)
    height, width = 2e-9, 3e-3
    numerical, _ = integrate.quad(
        lambda t: height * float(kernel.shape(np.array(t / width))),
        -20 * width,
        60 * width,
        points=[0.0, width],
        limit=500,
    )
    assert kernel.charge(height, width) == pytest.approx(numerical, rel=1e-8)


@pytest.mark.parametrize("window_ms", [1.0, 5.0, 100.0])
def test_inverse_time_charge_over_a_window(window_ms):
    kernel = get_kernel("inverse_time")
    height, width, window = 1e-9, 2e-3, window_ms * 1e-3
    numerical, _ = integrate.quad(lambda t: height / (1 + t / width), 0, window)
    assert kernel.charge(height, width, window) == pytest.approx(numerical, rel=1e-10)
    assert kernel.charge(height, width, window) == pytest.approx(
        height * width * math.log1p(window / width), rel=1e-12
    )
    with pytest.raises(ValueError, match="diverges"):
        kernel.charge(height, width)


@pytest.mark.parametrize("name", list(KERNELS))
def test_shape_is_the_derivative_of_the_antiderivative(name):
    kernel = get_kernel(name)
    s = np.linspace(-3, 8, 1101)
    s = s[np.abs(s) > 1e-3]  # away from the kinks at 0 (and 1 for the box)
    s = s[np.abs(s - 1) > 1e-3]
    step = 1e-6
    derivative = (kernel.antiderivative(s + step) - kernel.antiderivative(s - step)) / (2 * step)
    np.testing.assert_allclose(derivative, kernel.shape(s), atol=1e-6)


@pytest.mark.parametrize("name", FINITE)
@pytest.mark.parametrize(
    ("width", "dt", "onset"),
    [
        (5e-4, 1e-4, 0.1),
        (3e-3, 1e-4, 0.10003),
        (5e-5, 1e-4, 0.10007),
        (2e-2, 2.5e-4, 0.2),
    ],
)
def test_pulse_table_conserves_charge(name, width, dt, onset):
    """The table holds step averages, so dt * sum equals the exact charge for any dt, w."""
    train = pulse_train(name, width, [onset], dt, n_rows=round(1.0 / dt))
    assert dt * train.sum() == pytest.approx(width * KERNELS[name].total_integral, rel=1e-9)


def test_inverse_time_table_conserves_charge_up_to_the_end():
    dt, width, onset, rows = 1e-4, 2e-3, 0.25, 5000
    train = pulse_train("inverse_time", width, [onset], dt, rows)
    window = rows * dt - onset
    assert dt * train.sum() == pytest.approx(width * math.log1p(window / width), rel=1e-9)


@pytest.mark.parametrize("name", list(KERNELS))
def test_overlapping_pulses_superpose(name):
    dt, width, rows = 1e-4, 4e-3, 3000
    both = pulse_train(name, width, [0.1, 0.1023], dt, rows)
    first = pulse_train(name, width, [0.1], dt, rows)
    second = pulse_train(name, width, [0.1023], dt, rows)
    np.testing.assert_allclose(both, first + second, rtol=1e-12, atol=1e-15)
    assert np.max(first * second) > 0.1  # they really overlap


@pytest.mark.parametrize(
    ("name", "peak_s"),
    [("exponential", 0.0), ("inverse_time", 0.0), ("gaussian", 0.0), ("alpha", 1.0)],
)
def test_kernel_peaks_at_one(name, peak_s):
    s = np.linspace(-5, 20, 25001)
    values = get_kernel(name).shape(s)
    assert values.max() == pytest.approx(1.0, abs=1e-12)
    assert s[np.argmax(values)] == pytest.approx(peak_s, abs=1e-3)


def test_box_is_one_on_its_width_and_zero_elsewhere():
    s = np.array([-0.5, -1e-12, 0.0, 0.5, 1 - 1e-12, 1.0, 1.5])
    np.testing.assert_array_equal(get_kernel("box").shape(s), [0, 0, 1, 1, 1, 0, 0])


def test_unknown_kernel_lists_the_allowed_names():
    with pytest.raises(KeyError, match="allowed: exponential, inverse_time, box"):
        get_kernel("triangle")
