"""Response metrics on hand-made spike trains with answers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulsesweep.analysis.responses import (
    PulseResponse,
    SpikeTrainSet,
    first_on_neuron,
    oscillator_phase,
    pulse_response,
    pulse_responses,
)
from pulsesweep.simulation.spikes import train_by_train

MS = 1e-3
#: A tonic control: a spike every 10 ms at 5, 15, 25, ... 195 ms.
CONTROL = np.arange(5, 200, 10) * MS


def measure(pulsed, onset=30 * MS, lead=0.0, window=50 * MS, duration=0.2):
    return pulse_response(np.asarray(pulsed), CONTROL, onset, lead, window, duration)


def test_identical_trains_give_zero_response():
    response = measure(CONTROL)
    assert response.extra_spikes == 0
    assert response.rate_change == 0
    assert response.phase_advance == 0
    assert response.spike_advance == 0
    assert response.usable
    assert response.first_spike_latency == pytest.approx(5 * MS)  # next control spike at 35
    assert response.control_period == pytest.approx(10 * MS)
    assert response.phase == pytest.approx(0.5)  # last spike at 25 ms, pulse at 30 ms


def test_train_advanced_by_four_ms():
    # the pulse at 30 ms fires the neuron at 31 ms; it then runs 4 ms ahead of control
    pulsed = np.concatenate([CONTROL[CONTROL < 30 * MS], np.arange(31, 200, 10) * MS])
    response = measure(pulsed)
    assert response.extra_spikes == 0  # 31..71 against 35..75: five each in [30, 80)
    assert response.phase_advance == pytest.approx(0.4)
    assert response.first_spike_latency == pytest.approx(1 * MS)
    assert response.spike_advance == pytest.approx(4 * MS)


def test_one_extra_spike_counts_one_cycle():
    pulsed = np.sort(np.append(CONTROL, 32 * MS))
    response = measure(pulsed)
    assert response.extra_spikes == 1
    assert response.rate_change == pytest.approx(1 / (50 * MS))
    assert response.phase_advance == pytest.approx(1.0)
    assert response.first_spike_latency == pytest.approx(2 * MS)


def test_a_delay_is_a_negative_advance():
    pulsed = np.concatenate([CONTROL[CONTROL < 30 * MS], np.arange(37, 200, 10) * MS])
    assert measure(pulsed).phase_advance == pytest.approx(-0.2)
    assert measure(pulsed).spike_advance == pytest.approx(-2 * MS)


def test_lead_counts_spikes_before_the_onset():
    """A gaussian acts before its peak: a spike it causes there must count."""
    pulsed = np.sort(np.append(CONTROL, 28 * MS))
    assert measure(pulsed).extra_spikes == 0  # the window opens at the onset, 30 ms
    response = measure(pulsed, lead=10 * MS)
    assert response.extra_spikes == 1
    assert response.rate_change == pytest.approx(1 / (50 * MS))  # one window length for all
    assert response.usable


def test_latency_counts_a_spike_on_the_rising_flank():
    """Regression: a spike a gaussian evokes before its peak gives the latency, measured
    from the pulse's start, and a stronger pulse that fires earlier gives a shorter one."""
    weak = np.sort(np.append(CONTROL[CONTROL != 35 * MS], 29 * MS))
    strong = np.sort(np.append(CONTROL[CONTROL != 35 * MS], 27 * MS))
    latencies = [measure(train, lead=4 * MS).first_spike_latency for train in (weak, strong)]
    assert latencies == pytest.approx([3 * MS, 1 * MS])  # the window opens at 26 ms
    assert [measure(t, lead=4 * MS).spike_advance for t in (weak, strong)] == pytest.approx(
        [6 * MS, 8 * MS]
    )  # the control's next spike is at 35 ms


def test_a_shift_present_before_the_window_is_not_counted_as_advance():
    pulsed = CONTROL + 1 * MS  # already shifted by an earlier pulse
    assert measure(pulsed).phase_advance == pytest.approx(0.0)


def test_only_a_neurons_first_pulse_is_usable():
    np.testing.assert_array_equal(
        first_on_neuron(np.array([3, 1, 3, 0, 1, 7])), [True, True, False, True, False, True]
    )
    assert not pulse_response(CONTROL, CONTROL, 0.03, 0.0, 0.05, 0.2, first=False).usable


def test_window_past_the_end_is_not_usable():
    assert not measure(CONTROL, onset=180 * MS).usable
    assert measure(CONTROL, onset=150 * MS).usable  # closes exactly at the end


def test_no_spike_in_the_window_gives_nan_latency():
    pulsed = CONTROL[(CONTROL < 30 * MS) | (CONTROL > 90 * MS)]
    response = measure(pulsed)
    assert np.isnan(response.first_spike_latency)
    assert response.extra_spikes == -5


def test_oscillator_phase():
    assert oscillator_phase(CONTROL, 30 * MS, 10 * MS) == pytest.approx(3.5)
    # continuous across a spike: 3 cycles as the third spike (25 ms) arrives, either side
    for time in (25 * MS - 1e-9, 25 * MS, 25 * MS + 1e-9):
        assert oscillator_phase(CONTROL, time, 10 * MS) == pytest.approx(3.0, abs=1e-6)
    assert np.isnan(oscillator_phase(CONTROL, 1 * MS, 10 * MS))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_trains=st.integers(1, 6),
    n_pulses=st.integers(1, 30),
    window=st.floats(0.001, 0.2),
)
def test_vectorised_responses_equal_one_pulse_at_a_time(seed, n_trains, n_pulses, window):
    """Many pulses into many trains, measured at once, give what each pulse measured
    alone gives: the batching cannot mix up trains, edges or empty trains."""
    rng = np.random.default_rng(seed)
    duration = 0.5

    def trains(count):
        return [np.sort(rng.uniform(0, duration, rng.integers(0, 12))) for _ in range(count)]

    pulsed, control = trains(n_trains), trains(n_trains)
    which = rng.integers(0, n_trains, n_pulses)
    onsets = rng.uniform(0, duration, n_pulses)
    if n_pulses > 1:  # an onset exactly on a spike, where left and right searches differ
        onsets[0] = pulsed[which[0]][0] if len(pulsed[which[0]]) else onsets[0]
    leads = rng.choice([0.0, 0.003], n_pulses)
    first = rng.random(n_pulses) < 0.7

    def train_set(spike_trains):
        keys = np.concatenate([np.full(len(t), k) for k, t in enumerate(spike_trains)])
        return SpikeTrainSet.from_spikes(
            keys.astype(np.int64), np.concatenate(spike_trains), len(spike_trains)
        )

    actual = pulse_responses(
        train_set(pulsed), which, train_set(control), which, onsets, leads, window, duration, first
    )
    for i in range(n_pulses):
        expected = pulse_response(
            pulsed[which[i]],
            control[which[i]],
            onsets[i],
            leads[i],
            window,
            duration,
            first=bool(first[i]),
        )
        for name in PulseResponse.names():
            np.testing.assert_equal(actual[name][i], getattr(expected, name), err_msg=name)


@pytest.mark.parametrize("n_trains", [3, 70_000])  # 16-bit keys (radix sort) and wider
def test_spikes_come_out_train_by_train_whatever_their_order(n_trains):
    rng = np.random.default_rng(n_trains)
    trains = rng.integers(0, n_trains, 500)
    times = rng.choice(np.arange(50) * 0.1, 500)  # ties within a train, too
    ordered_trains, ordered_times = train_by_train(trains, times)
    expected = np.lexsort((times, trains))
    np.testing.assert_array_equal(ordered_trains, trains[expected])
    np.testing.assert_array_equal(ordered_times, times[expected])
    again = train_by_train(ordered_trains, ordered_times)  # already in order: as it is
    assert again[0] is ordered_trains
    assert again[1] is ordered_times


@pytest.mark.parametrize("shuffled", [False, True])  # from counts, and from any order
def test_each_train_holds_its_own_spikes_in_time_order(shuffled):
    rng = np.random.default_rng(3)
    per_train = [np.sort(rng.uniform(0, 1, n)) for n in rng.integers(0, 5, 40)]
    per_train[0] = per_train[7] = per_train[39] = np.empty(0)  # empty first, inside, last
    counts = [len(train) for train in per_train]
    times = np.concatenate(per_train)
    if shuffled:
        trains = np.repeat(np.arange(40), counts)
        order = rng.permutation(len(times))
        spikes = SpikeTrainSet.from_spikes(trains[order], times[order], 40)
    else:
        spikes = SpikeTrainSet.from_counts(times, counts)
    for k, train in enumerate(per_train):
        np.testing.assert_array_equal(spikes.times[spikes.bounds[k] : spikes.bounds[k + 1]], train)
        np.testing.assert_array_equal(
            spikes.search(np.full(len(train), k), train),
            np.arange(spikes.bounds[k], spikes.bounds[k + 1]),
        )  # each spike found where it is
    assert spikes.bounds[-1] == len(times)


def test_a_search_finds_what_numpy_finds_train_by_train():
    """The bisection over every (train, time) pair at once gives, for each, numpy's
    ``searchsorted`` (side left) within that train alone, ties and empty trains included."""
    from pulsesweep.analysis.responses import SpikeTrainSet

    rng = np.random.default_rng(3)
    counts = rng.integers(0, 40, 60)
    counts[[0, 7]] = 0
    trains = [np.sort(rng.random(count)).round(3) for count in counts]
    spikes = SpikeTrainSet.from_counts(np.concatenate(trains), counts)
    queried = rng.integers(0, 60, 5000)
    times = np.where(
        rng.random(5000) < 0.3,
        [train[0] if len(train) else 0.5 for train in (trains[k] for k in queried)],
        rng.random(5000).round(3),
    )
    starts = np.concatenate([[0], np.cumsum(counts)])
    expected = [
        starts[k] + np.searchsorted(trains[k], t, side="left")
        for k, t in zip(queried, times, strict=True)
    ]
    np.testing.assert_array_equal(spikes.search(queried, times), expected)
