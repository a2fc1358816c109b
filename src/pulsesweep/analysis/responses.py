"""Response metrics: how one pulse changed its neuron's firing, against the control.

Every metric compares the pulsed neuron's spike train with the same neuron's train in
the paired, unpulsed control (same seed: same parameters, same initial potential). A
pulse with onset ``t0`` and width ``w`` *starts* at ``t_open = t0 + onset * w``, where
``onset`` is the kernel's (0 for the causal kernels; -3 for the gaussian, whose ``t0`` is
its peak and which delivers 99.87 % of its charge after ``t0 - 3 w``). Every kernel is
measured over a window of the same length, ``[t_open, t_close)`` with
``t_close = t_open + window``:

- ``extra_spikes``: spikes of the pulsed train in the window minus the control's;
- ``rate_change``: the same difference divided by the window's length (Hz);
- ``first_spike_latency``: time from ``t_open`` to the pulsed train's first spike in the
  window (NaN if none);
- ``spike_advance``: how much earlier the next spike comes: the control's first spike at
  or after ``t_open`` minus the pulsed train's (s; negative for a delay; NaN if either
  train has none). Unlike the latency it does not depend on when the pulse arrived in
  the cycle, only on what it did;
- ``phase_advance``: the shift of the pulsed train against the control, in cycles of
  the control's period ``T`` (median interspike interval): with the oscillator phase
  ``phi(t) = N(t) + (t - last spike)/T``, it is ``[phi_p - phi_c](t_close) -
  [phi_p - phi_c](t_open)``, so one extra spike counts 1.0;
- ``phase``: the control's phase when the pulse arrived (at ``t0``), in ``[0, 1)`` (the x
  axis of a phase-response curve);
- ``usable``: the window lies inside the run, the pulse is the first one its neuron
  receives (:func:`first_on_neuron`), so that the pulsed train equals the control before
  the pulse, and its current begins (``t0 + start w``, the kernel's ``start``: 10 w before
  a gaussian's peak) at or after the control's first spike, so that the neuron was firing
  tonically when the pulse reached it (:func:`began_while_firing`), as the theory
  assumes (a control that never fires passes). This depends on the schedule and the
  kernel only, never on the height, so averages over usable pulses average the same
  pulses at every height.

For a later pulse on a neuron that an earlier pulse already moved, ``phase_advance``
still subtracts the shift present when the window opens, but the counts compare trains
that differed before the pulse.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pulsesweep.simulation.spikes import train_by_train

__all__ = [
    "PulseResponse",
    "SpikeTrainSet",
    "began_while_firing",
    "first_on_neuron",
    "oscillator_phase",
    "pulse_response",
    "pulse_responses",
]


@dataclass(frozen=True)
class PulseResponse:
    """The response to one pulse (see the module docstring for definitions)."""

    extra_spikes: float
    rate_change: float
    first_spike_latency: float
    spike_advance: float
    phase_advance: float
    phase: float
    control_period: float
    usable: bool

    @classmethod
    def names(cls) -> list[str]:
        return [field.name for field in fields(cls)]


def oscillator_phase(spikes: NDArray[np.float64], time: float, period: float) -> float:
    """``N(time) + (time - last spike) / period``: spikes before ``time`` plus the fraction
    of a period since the last of them (NaN before the first spike)."""
    train, one = SpikeTrainSet.single(spikes), np.zeros(1, dtype=np.int64)
    times = np.array([time], dtype=np.float64)
    return float(_phase_at(train, one, train.search(one, times), times, np.array([period]))[0])


def first_on_neuron(neurons: NDArray[np.integer]) -> NDArray[np.bool_]:
    """For pulses in onset order: whether each is the first its target neuron receives."""
    first = np.zeros(len(neurons), dtype=bool)
    first[np.unique(np.asarray(neurons), return_index=True)[1]] = True
    return first


@dataclass(frozen=True)
class SpikeTrainSet:
    """Many sorted spike trains in one array: train ``k`` is ``times[bounds[k]:bounds[k + 1]]``.

    Searches are vectorised over (train, time) pairs: a bisection within each pair's own
    train, all pairs at once (as many rounds as the longest train has halvings), so no
    key or copy of the spikes is made: a set over a file's spikes is a view of them.
    """

    times: NDArray[np.float64]
    bounds: NDArray[np.int64]

    @classmethod
    def from_spikes(
        cls, trains: NDArray[np.integer], times: NDArray[np.floating], n_trains: int
    ) -> SpikeTrainSet:
        """Spikes ``times`` of trains ``trains`` (in any order, each below ``n_trains``)
        as ``n_trains`` trains."""
        # Files hold spikes train by train: then nothing is sorted.
        keys, sorted_times = train_by_train(np.asarray(trains), np.asarray(times, np.float64))
        return cls.from_counts(sorted_times, np.bincount(keys, minlength=n_trains))

    @classmethod
    def from_counts(cls, times: NDArray[np.floating], counts: NDArray[np.integer]) -> SpikeTrainSet:
        """Spikes ``times`` already train by train, ``counts[k]`` of them in train ``k``
        (not copied)."""
        sizes = np.asarray(counts, dtype=np.int64)
        bounds = np.concatenate([np.zeros(1, np.int64), np.cumsum(sizes)])
        return cls(np.asarray(times, dtype=np.float64), bounds)

    @classmethod
    def single(cls, times: NDArray[np.floating]) -> SpikeTrainSet:
        return cls.from_spikes(np.zeros(len(times), np.int64), times, 1)

    def search(self, trains: NDArray[np.integer], times: NDArray[np.float64]) -> NDArray[np.int64]:
        """Index of each train's first spike at or after each time (its end if none)."""
        trains = np.asarray(trains, dtype=np.int64)
        low: NDArray[np.int64] = self.bounds[trains]
        high: NDArray[np.int64] = self.bounds[trains + 1]
        times = np.broadcast_to(np.asarray(times, dtype=np.float64), low.shape)
        active = np.flatnonzero(low < high)
        while len(active):
            middle = (low[active] + high[active]) // 2
            before = self.times[middle] < times[active]
            low[active[before]] = middle[before] + 1
            high[active[~before]] = middle[~before]
            active = active[low[active] < high[active]]
        return low

    def median_interval(self, trains: NDArray[np.integer]) -> NDArray[np.float64]:
        """Median interspike interval of each train (NaN with fewer than two spikes)."""
        periods = {}
        for train in np.unique(trains):
            spikes = self.times[self.bounds[train] : self.bounds[train + 1]]
            periods[train] = float(np.median(np.diff(spikes))) if len(spikes) > 1 else np.nan
        return np.array([periods[train] for train in trains], dtype=np.float64)


def _phase_at(
    spikes: SpikeTrainSet,
    trains: NDArray[np.integer],
    index: NDArray[np.int64],
    time: NDArray[np.float64],
    period: NDArray[np.float64],
) -> NDArray[np.float64]:
    """:func:`oscillator_phase` at ``time`` for each train, given the search ``index``."""
    count = index - spikes.bounds[trains]
    last = spikes.times[np.maximum(index - 1, 0)] if len(spikes.times) else np.zeros(len(index))
    phase = count + (time - last) / period
    return np.where((count == 0) | ~np.isfinite(period), np.nan, phase)


def pulse_responses(
    pulsed: SpikeTrainSet,
    pulsed_trains: NDArray[np.integer],
    control: SpikeTrainSet,
    control_trains: NDArray[np.integer],
    onsets: NDArray[np.float64],
    leads: NDArray[np.float64],
    window: float,
    duration: float,
    first: NDArray[np.bool_],
    current_leads: NDArray[np.float64] | None = None,
) -> dict[str, NDArray[Any]]:
    """Measure many pulses at once; the arrays of :func:`pulse_response`'s fields.

    Pulse ``i`` went into train ``pulsed_trains[i]`` of ``pulsed``, whose control is train
    ``control_trains[i]`` of ``control``; the other arguments are per pulse, as in
    :func:`pulse_response`, or shared (``current_leads``: ``leads`` where not given).
    """
    onsets = np.asarray(onsets, dtype=np.float64)
    t_open = np.maximum(0.0, onsets - leads)
    t_close = t_open + window
    p_open, p_close = pulsed.search(pulsed_trains, t_open), pulsed.search(pulsed_trains, t_close)
    c_open, c_close = (
        control.search(control_trains, t_open),
        control.search(control_trains, t_close),
    )
    extra = ((p_close - p_open) - (c_close - c_open)).astype(np.float64)
    period = control.median_interval(control_trains)
    shift = [
        _phase_at(pulsed, pulsed_trains, p, t, period)
        - _phase_at(control, control_trains, c, t, period)
        for p, c, t in ((p_open, c_open, t_open), (p_close, c_close, t_close))
    ]
    c_onset = control.search(control_trains, onsets)
    before = c_onset > control.bounds[control_trains]
    last = control.times[np.maximum(c_onset - 1, 0)] if len(control.times) else onsets
    pulsed_next = _at(pulsed, p_open, p_open < pulsed.bounds[pulsed_trains + 1])
    return {
        "extra_spikes": extra,
        "rate_change": extra / window,
        "first_spike_latency": _at(pulsed, p_open, p_open < p_close) - t_open,
        "spike_advance": _at(control, c_open, c_open < control.bounds[control_trains + 1])
        - pulsed_next,
        "phase_advance": shift[1] - np.where(np.isfinite(shift[0]), shift[0], 0.0),
        "phase": np.where(before, ((onsets - last) / period) % 1.0, np.nan),
        "control_period": period,
        "usable": np.asarray(first, dtype=bool)
        & (t_close <= duration + 1e-12)
        & began_while_firing(
            control, control_trains, onsets - (leads if current_leads is None else current_leads)
        ),
    }


def began_while_firing(
    control: SpikeTrainSet, trains: NDArray[np.integer], begins: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Whether each pulse's current begins (at ``begins``, s) at or after the first spike
    of its control train (``trains`` of ``control``), or the control never fires (a
    neuron at rest: its state does not depend on when the pulse begins)."""
    trains = np.asarray(trains, dtype=np.int64)
    silent = control.bounds[trains + 1] == control.bounds[trains]
    first = _at(control, control.bounds[trains], ~silent)
    return np.asarray(silent | (np.asarray(begins) >= first))


def _at(
    spikes: SpikeTrainSet, index: NDArray[np.int64], valid: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """``times[index]`` where ``valid``, NaN elsewhere."""
    if not len(spikes.times):
        return np.full(len(index), np.nan)
    return np.where(valid, spikes.times[np.minimum(index, len(spikes.times) - 1)], np.nan)


def pulse_response(
    pulsed: NDArray[np.float64],
    control: NDArray[np.float64],
    onset: float,
    lead: float,
    window: float,
    duration: float,
    first: bool = True,
    current_lead: float | None = None,
) -> PulseResponse:
    """Measure one pulse.

    Parameters
    ----------
    pulsed, control
        Sorted spike times (s) of the pulsed neuron, with the pulse and in the control.
    onset
        Pulse onset ``t0`` (s; the peak, for the gaussian).
    lead
        How long before ``t0`` the pulse starts (s, >= 0): ``-onset * w`` of its kernel.
    window
        Length of the response window, which opens when the pulse starts (s).
    duration
        Length of the run (s).
    first
        Whether this is the first pulse its neuron receives.
    current_lead
        How long before ``t0`` its current begins (s, >= ``lead``): ``-start * w`` of its
        kernel; ``lead`` if not given.
    """
    one = np.zeros(1, dtype=np.int64)
    values = pulse_responses(
        SpikeTrainSet.single(pulsed),
        one,
        SpikeTrainSet.single(control),
        one,
        np.array([onset]),
        np.array([lead]),
        window,
        duration,
        np.array([first]),
        np.array([lead if current_lead is None else current_lead]),
    )
    return PulseResponse(**{name: values[name][0].item() for name in PulseResponse.names()})
