"""Response metrics: how one pulse changed its neuron's firing, against the control.

Every metric compares the pulsed neuron's spike train with the same neuron's train in
the paired, unpulsed control (same seed: same parameters, same initial potential). For
a pulse with onset ``t0`` the response window is ``[t_open, t_close)`` with
``t_open = t0 + start * w`` (``start`` is 0 for causal kernels, -10 for the gaussian) and
``t_close = t0 + window``:

- ``extra_spikes``: spikes of the pulsed train in the window minus the control's;
- ``rate_change``: the same difference divided by the window's length (Hz);
- ``first_spike_latency``: time from ``t0`` to the pulsed train's first spike at or
  after ``t0`` within the window (NaN if none);
- ``phase_advance``: the shift of the pulsed train against the control, in cycles of
  the control's period ``T`` (median interspike interval): with the oscillator phase
  ``phi(t) = N(t) + (t - last spike)/T``, it is ``[phi_p - phi_c](t_close) -
  [phi_p - phi_c](t_open)``, so one extra spike counts 1.0;
- ``phase``: the control's phase when the pulse arrived, in ``[0, 1)`` (the x axis of
  a phase-response curve);
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
    return count + (time - spikes[count - 1]) / period


def first_on_neuron(neurons: NDArray[np.integer]) -> NDArray[np.bool_]:
    """For pulses in onset order: whether each is the first its target neuron receives."""
    first = np.zeros(len(neurons), dtype=bool)
    first[np.unique(np.asarray(neurons), return_index=True)[1]] = True
    return first


def _count(spikes: NDArray[np.float64], start: float, stop: float) -> int:
    return int(np.searchsorted(spikes, stop, "left") - np.searchsorted(spikes, start, "left"))


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
        Pulse onset ``t0`` (s).
    lead
        How long before ``t0`` the pulse starts (s, >= 0): ``-start * w``.
    window
        Response window after ``t0`` (s).
    duration
        Length of the run (s).
    first
        Whether this is the first pulse its neuron receives.
    """
    t_open, t_close = max(0.0, onset - lead), onset + window
    extra = _count(pulsed, t_open, t_close) - _count(control, t_open, t_close)
    after = pulsed[(pulsed >= onset) & (pulsed < t_close)]
    period = float(np.median(np.diff(control))) if len(control) > 1 else np.nan
    shift_at = [oscillator_phase(pulsed, t, period) - oscillator_phase(control, t, period)
                for t in (t_open, t_close)]
    before = control[control < onset]
    phase = ((onset - before[-1]) / period) % 1.0 if len(before) else np.nan
    return PulseResponse(
        extra_spikes=float(extra),
        rate_change=extra / (t_close - t_open),
        first_spike_latency=float(after[0] - onset) if len(after) else np.nan,
        phase_advance=shift_at[1] - (shift_at[0] if np.isfinite(shift_at[0]) else 0.0),
        phase=float(phase),
        control_period=period,
        usable=bool(first and t_close <= duration + 1e-12),
    )
