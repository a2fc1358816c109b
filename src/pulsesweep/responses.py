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
- ``usable``: the window lies inside the run and the pulse is the first one its neuron
  receives (:func:`first_on_neuron`), so that the pulsed train equals the control before
  the window opens. This depends on the schedule only, never on the height, so averages
  over usable pulses average the same pulses at every height.

For a later pulse on a neuron that an earlier pulse already moved, ``phase_advance``
still subtracts the shift present when the window opens, but the counts compare trains
that differed before the pulse.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

__all__ = ["PulseResponse", "first_on_neuron", "oscillator_phase", "pulse_response"]


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
    count = int(np.searchsorted(spikes, time, side="left"))
    if count == 0 or not np.isfinite(period):
        return np.nan
    last: float = spikes[count - 1]
    return count + (time - last) / period


def first_on_neuron(neurons: NDArray[np.integer]) -> NDArray[np.bool_]:
    """For pulses in onset order: whether each is the first its target neuron receives."""
    first = np.zeros(len(neurons), dtype=bool)
    first[np.unique(np.asarray(neurons), return_index=True)[1]] = True
    return first


def _count(spikes: NDArray[np.float64], start: float, stop: float) -> int:
    return int(np.searchsorted(spikes, stop, "left") - np.searchsorted(spikes, start, "left"))


def _next_spike(spikes: NDArray[np.float64], time: float) -> float:
    """The first spike at or after ``time`` (NaN if none)."""
    index = int(np.searchsorted(spikes, time, "left"))
    return float(spikes[index]) if index < len(spikes) else np.nan


def pulse_response(
    pulsed: NDArray[np.float64],
    control: NDArray[np.float64],
    onset: float,
    lead: float,
    window: float,
    duration: float,
    first: bool = True,
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
    """
    t_open = max(0.0, onset - lead)
    t_close = t_open + window
    extra = _count(pulsed, t_open, t_close) - _count(control, t_open, t_close)
    in_window = pulsed[(pulsed >= t_open) & (pulsed < t_close)]
    period = float(np.median(np.diff(control))) if len(control) > 1 else np.nan
    shift_at = [
        oscillator_phase(pulsed, t, period) - oscillator_phase(control, t, period)
        for t in (t_open, t_close)
    ]
    before = control[control < onset]
    phase = ((onset - before[-1]) / period) % 1.0 if len(before) else np.nan
    return PulseResponse(
        extra_spikes=float(extra),
        rate_change=extra / window,
        first_spike_latency=float(in_window[0] - t_open) if len(in_window) else np.nan,
        spike_advance=_next_spike(control, t_open) - _next_spike(pulsed, t_open),
        phase_advance=shift_at[1] - (shift_at[0] if np.isfinite(shift_at[0]) else 0.0),
        phase=float(phase),
        control_period=period,
        usable=bool(first and t_close <= duration + 1e-12),
    )
