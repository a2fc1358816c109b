"""Shared pieces of the figures: the per-pulse table, axes, notes and the theory style."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes

__all__ = ["CI", "NO_PHASE", "THEORY", "middle", "note", "response_table", "symlog"]

#: Bootstrapped 95 % confidence intervals, seeded so the figures are reproducible.
CI = {"errorbar": ("ci", 95), "n_boot": 1000, "seed": 0}
#: How every "LIF theory" line is drawn.
THEORY = {"color": "k", "linestyle": "--", "linewidth": 1.0, "label": "LIF theory"}


def response_table(responses: xr.Dataset) -> pd.DataFrame:
    """Usable per-pulse responses as a long table, in display units (nA, ms, pC)."""
    names = [
        "pulse_extra_spikes",
        "pulse_first_spike_latency",
        "pulse_spike_advance",
        "pulse_phase_advance",
        "pulse_phase",
        "pulse_usable",
        "charge",
    ]
    table = responses[names].to_dataframe().reset_index()
    table = table[table["pulse_usable"].astype(bool)].copy()
    table["height (nA)"] = table["height"] * 1e9
    table["width (ms)"] = table["width"] * 1e3
    table["charge per pulse (pC)"] = table["charge"] * 1e12
    table["extra spikes"] = table["pulse_extra_spikes"]
    table["first-spike latency (ms)"] = table["pulse_first_spike_latency"] * 1e3
    table["spike advance (ms)"] = table["pulse_spike_advance"] * 1e3
    table["phase advance (cycles)"] = table["pulse_phase_advance"]
    table["phase at pulse onset (cycles)"] = table["pulse_phase"]
    return table


def symlog(axis: Axes, values: Sequence[float], which: str = "x") -> None:
    """Symmetric-log scale, linear within the smallest non-zero magnitude (heights may be
    negative: hyperpolarising pulses)."""
    magnitudes = np.abs(np.asarray(values, dtype=float))
    magnitudes = magnitudes[np.isfinite(magnitudes) & (magnitudes > 0)]
    linear = float(magnitudes.min()) if magnitudes.size else 1.0
    getattr(axis, f"set_{which}scale")("symlog", linthresh=linear, linscale=0.5)


def note(axis: Axes, text: str) -> None:
    """Say on an empty panel why it is empty."""
    axis.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        wrap=True,
        fontsize="small",
        transform=axis.transAxes,
    )
    axis.set_xticks([])
    axis.set_yticks([])


NO_PHASE = (
    "phase metrics are undefined: the neurons do not fire tonically "
    "(R·I0 ≤ Vt), so they have no phase"
)


def middle(values: Sequence[float]) -> float:
    """The middle non-zero value (the default height and width of the PRC figure)."""
    values = sorted(v for v in values if v != 0)
    return values[(len(values) - 1) // 2]
