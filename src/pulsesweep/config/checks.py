"""The checks of a config that relate several keys, which a JSON schema cannot express.

:func:`check_consistency` needs the standard library alone (the Snakefile runs it when it
plans a sweep); :func:`check_science` needs numpy (the populations each seed draws) and
runs in the workflow's first job, before any simulation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pulsesweep.errors import ConfigError
from pulsesweep.model.neuron_model import MODEL_PERIOD_BOUND_MS, lif_rate, neuron_model
from pulsesweep.model.schedule import schedule_length

__all__ = [
    "MAX_JOBS",
    "check_consistency",
    "check_kernels",
    "check_science",
    "check_sweep",
    "default_window_ms",
    "settling_ms",
]

Config = dict[str, Any]

#: ``pulses.settle_ms`` where null, unless the kernels' leads need longer.
DEFAULT_SETTLE_MS = 100.0


def check_kernels(config: Config) -> None:
    """The config's own kernels parse (standard library alone) and the sweep names only
    kernels that exist."""
    from pulsesweep.model.kernels import KERNELS, shape_problem

    for name, definition in config["kernels"].items():
        if name in KERNELS:
            raise ConfigError(
                f"kernels.{name}", definition, "a name that is not a built-in kernel's"
            )
        problem = shape_problem(definition["shape"])
        if problem:
            raise ConfigError(f"kernels.{name}.shape", definition["shape"], problem)
        start, stop = definition["start"], definition["stop"]
        if stop is not None and not start < stop:
            raise ConfigError(f"kernels.{name}.start", start, f"a value below stop ({stop})")
        onset = definition["response_onset"]
        if onset is not None and not (start <= onset and (stop is None or onset < stop)):
            raise ConfigError(f"kernels.{name}.response_onset", onset, "a value in [start, stop)")
    allowed = [*KERNELS, *config["kernels"]]
    for index, name in enumerate(config["sweep"]["kernels"]):
        if name not in allowed:
            raise ConfigError(
                f"sweep.kernels.{index}",
                name,
                f"one of {', '.join(allowed)} (or a kernel defined under kernels)",
            )


def _mean_period_ms(config: Mapping[str, Any]) -> float | None:
    """The mean neuron's tonic period (ms) as plans take it: the LIF's, or
    :data:`~pulsesweep.model.neuron_model.MODEL_PERIOD_BOUND_MS` for a model of
    ``models:``; None where the LIF does not fire tonically."""
    rate = lif_rate(config)
    if rate is None:
        return MODEL_PERIOD_BOUND_MS
    return 1e3 / rate if rate > 0 else None


def _check_names(config: Config) -> None:
    """The sweep's kernels and the network's model exist."""
    check_kernels(config)
    neuron_model(config)


def check_consistency(config: Config) -> None:
    """Checks that relate several keys, which a JSON schema cannot express."""
    _check_names(config)
    network, simulation, pulses = config["network"], config["simulation"], config["pulses"]
    if network["v_reset_mV"] >= network["v_threshold_mV"]:
        raise ConfigError(
            "network.v_reset_mV",
            network["v_reset_mV"],
            f"a value below network.v_threshold_mV ({network['v_threshold_mV']})",
        )
    if network["v_threshold_mV"] <= network["v_rest_mV"]:
        raise ConfigError(
            "network.v_threshold_mV",
            network["v_threshold_mV"],
            f"a value above network.v_rest_mV ({network['v_rest_mV']} mV): potentials are "
            "absolute, and a neuron whose threshold is below rest fires without input "
            "(Brian-style values such as -50 mV need network.v_rest_mV, e.g. -70)",
        )
    steps = simulation["duration_s"] * 1e3 / simulation["dt_ms"]
    if not steps <= MAX_STEPS:
        raise ConfigError(
            "simulation.dt_ms",
            simulation["dt_ms"],
            f"at least {simulation['duration_s'] * 1e3 / MAX_STEPS:g} ms: at most "
            f"{MAX_STEPS:g} time steps in simulation.duration_s",
        )
    drive = network["tau_ms"] / network["capacitance_nF"] * network["bias_current_nA"]
    if not math.isfinite(drive):
        raise ConfigError(
            "network.capacitance_nF",
            network["capacitance_nF"],
            "a value for which R*I0 = tau/C * I0 is a finite voltage",
        )
    if not math.isclose(steps, round(steps), rel_tol=0, abs_tol=1e-6):
        raise ConfigError(
            "simulation.duration_s",
            simulation["duration_s"],
            f"a whole number of time steps of simulation.dt_ms ({simulation['dt_ms']} ms)",
        )
    if simulation["method"] == "precise" and network["refractory_ms"] < simulation["dt_ms"]:
        raise ConfigError(
            "network.refractory_ms",
            network["refractory_ms"],
            f"at least simulation.dt_ms ({simulation['dt_ms']} ms) with simulation.method "
            "precise, which finds at most one spike per neuron and step (or another method)",
        )
    duration_ms = simulation["duration_s"] * 1e3
    if pulses["schedule"] == "explicit":
        _check_explicit_schedule(pulses, network["n_neurons"], duration_ms)
    _check_size(config)
    _check_analysis(config, duration_ms)


#: The most grid points of one config, and the most simulation jobs they may make.
MAX_GRID_POINTS, MAX_JOBS = 1_000_000, 100_000
#: The most pulses of one seed's schedule, and the most neurons drawn over all seeds.
MAX_PULSES, MAX_DRAWN_NEURONS = 1_000_000, 10_000_000
#: The most time steps of one run.
MAX_STEPS = 1e10


def _check_size(config: Config) -> None:
    """Grids and schedules small enough to plan (sizes only; nothing is allocated)."""
    sweep, pulses = config["sweep"], config["pulses"]
    sizes = {
        "kernel": len(sweep["kernels"]),
        "height": sum(1 for height in sweep["heights_nA"] if height != 0),
        "width": len(sweep["widths_ms"]),
        "seed": len(config["simulation"]["seeds"]),
    }
    points = math.prod(sizes.values())
    if points > MAX_GRID_POINTS:
        shape = " x ".join(f"{size} {axis}s" for axis, size in sizes.items())
        raise ConfigError(
            "sweep",
            f"{points} pulsed grid points ({shape})",
            f"at most {MAX_GRID_POINTS}: split the sweep into several configs",
        )
    batched = config["jobs"]["batch_axes"]  # null: sized by memory, checked as it is
    jobs = math.prod(
        size for axis, size in sizes.items() if axis not in (sizes if batched is None else batched)
    )
    if jobs > MAX_JOBS:
        raise ConfigError(
            "jobs.batch_axes",
            batched,
            f"more axes, so that the grid makes at most {MAX_JOBS} simulation jobs "
            f"(it makes {jobs})",
        )
    drawn = config["network"]["n_neurons"] * sizes["seed"]
    if drawn > MAX_DRAWN_NEURONS:
        raise ConfigError(
            "network.n_neurons",
            config["network"]["n_neurons"],
            f"at most {MAX_DRAWN_NEURONS // sizes['seed']} with {sizes['seed']} seeds "
            f"(at most {MAX_DRAWN_NEURONS} neurons drawn over all seeds)",
        )
    duration_ms = config["simulation"]["duration_s"] * 1e3
    if pulses["schedule"] == "periodic" and duration_ms / pulses["interval_ms"] > MAX_PULSES:
        raise ConfigError(
            "pulses.interval_ms",
            pulses["interval_ms"],
            f"at least {duration_ms / MAX_PULSES:g} ms: at most {MAX_PULSES} pulses per seed",
        )


def _check_explicit_schedule(pulses: Config, n_neurons: int, duration_ms: float) -> None:
    times, neurons = pulses["times_ms"], pulses["neurons"]
    if len(times) != len(neurons):
        raise ConfigError(
            "pulses.neurons",
            neurons,
            f"one target neuron per entry of pulses.times_ms ({len(times)} entries)",
        )
    for index, time in enumerate(times):
        if not 0 <= time < duration_ms:
            raise ConfigError(
                f"pulses.times_ms.{index}", time, f"a time in [0, {duration_ms:g}) ms"
            )
    for index, neuron in enumerate(neurons):
        if not 0 <= neuron < n_neurons:
            raise ConfigError(
                f"pulses.neurons.{index}", neuron, f"a neuron index in [0, {n_neurons - 1}]"
            )


#: The longest response window that ``analysis.window_ms: null`` gives (ms).
LONGEST_DEFAULT_WINDOW_MS = 200.0


def default_window_ms(config: Mapping[str, Any]) -> float:
    """``analysis.window_ms`` when it is null: the longest window that fits the schedule.

    ``min(200 ms, pulses.interval_ms, the run after the last pulse)``; for the
    ``phase_scan`` schedule the run after its last pulse is the simulated time after
    ``pulses.settle_ms`` and two periods of the mean neuron.
    """
    pulses, duration_ms = config["pulses"], config["simulation"]["duration_s"] * 1e3
    limits = [LONGEST_DEFAULT_WINDOW_MS, duration_ms]
    if pulses["schedule"] == "periodic":
        interval = pulses["interval_ms"]
        last = interval * (math.ceil(duration_ms / interval) - 1)
        limits += [interval, duration_ms - last if last > 0 else duration_ms]
    elif pulses["schedule"] == "explicit" and pulses["times_ms"]:
        limits.append(duration_ms - max(pulses["times_ms"]))
    elif pulses["schedule"] == "phase_scan" and (period := _mean_period_ms(config)):
        limits.append(duration_ms - pulses["settle_ms"] - 2 * period)
    window = min(limits)
    # No room after the pulses: the checks below name the key to change instead.
    return window if window > 0 else LONGEST_DEFAULT_WINDOW_MS


def _check_analysis(config: Config, duration_ms: float) -> None:
    _check_settling(config)
    if config["analysis"]["window_ms"] is None:
        config["analysis"]["window_ms"] = default_window_ms(config)
    window, pulses = config["analysis"]["window_ms"], config["pulses"]
    if pulses["schedule"] == "periodic" and window > pulses["interval_ms"]:
        raise ConfigError(
            "analysis.window_ms", window, f"at most pulses.interval_ms ({pulses['interval_ms']})"
        )
    if window > duration_ms:
        raise ConfigError(
            "analysis.window_ms", window, f"at most the simulated time ({duration_ms:g} ms)"
        )
    period = _mean_period_ms(config)
    metric = config["analysis"]["criterion_metric"]
    if period is None and metric in ("phase_advance", "spike_advance"):
        raise ConfigError(
            "analysis.criterion_metric",
            metric,
            "extra_spikes or null when the neurons do not fire tonically "
            "(R*I0 <= Vt: phase metrics are undefined)",
        )
    if pulses["schedule"] == "phase_scan" and period:
        needed = pulses["settle_ms"] + 2 * period + window
        if needed > duration_ms:
            raise ConfigError(
                "simulation.duration_s",
                config["simulation"]["duration_s"],
                f"at least {needed / 1e3:g} s for the phase_scan schedule: pulses.settle_ms, "
                "two periods of the mean neuron and analysis.window_ms",
            )
    figures, sweep = config["figures"], config["sweep"]
    for key, axis in (("prc_height_nA", "heights_nA"), ("prc_width_ms", "widths_ms")):
        value = figures[key]
        if value is not None and value not in sweep[axis]:
            raise ConfigError(
                f"figures.{key}", value, f"null or a value of sweep.{axis}: {sweep[axis]}"
            )


def settling_ms(config: Mapping[str, Any], least: bool = False) -> float:
    """The shortest ``pulses.settle_ms`` under which every ``phase_scan`` pulse's current
    begins after its neuron fires tonically: the longest lead of a swept kernel's current
    before its onset (``-start * w``) plus two periods of the mean neuron (0 where the
    neurons do not fire tonically; for a model of ``models:``, two of
    :data:`~pulsesweep.model.neuron_model.MODEL_PERIOD_BOUND_MS`, or with ``least``, the
    lead alone: its onsets are measured, each at or after a spike of its control)."""
    from pulsesweep.model.kernels import kernel_table

    period = _mean_period_ms(config)
    if period is None:
        return 0.0
    if least and lif_rate(config) is None:
        period = 0.0
    starts = {kernel.name: kernel.start for kernel in kernel_table(config)}
    earliest = min(starts[name] for name in config["sweep"]["kernels"])
    widest = float(max(config["sweep"]["widths_ms"]))
    return max(-earliest * widest, 0.0) + 2 * period


def _check_settling(config: Config) -> None:
    """``pulses.settle_ms``: :func:`settling_ms` (at least 100 ms) where null; refused
    where shorter (its pulses would not be usable)."""
    pulses = config["pulses"]
    scan = pulses["schedule"] == "phase_scan"
    if pulses["settle_ms"] is None:
        needed = settling_ms(config) if scan else 0.0
        pulses["settle_ms"] = max(DEFAULT_SETTLE_MS, round(needed, 3))
        return
    needed = settling_ms(config, least=True) if scan else 0.0
    if pulses["settle_ms"] < needed:
        periods = "" if lif_rate(config) is None else " plus two periods of the mean neuron"
        raise ConfigError(
            "pulses.settle_ms",
            pulses["settle_ms"],
            f"at least {needed:.4g} (or null) for the phase_scan schedule: the longest lead "
            f"of a swept kernel's current before its onset (-start * width){periods}, so "
            "that every pulse begins while its neuron fires",
        )


def check_sweep(config: Config) -> None:
    """Refuse a sweep that would measure nothing: no pulse in the run, no pulse height
    but the control's, a response window shorter than one time step. (A config like that
    still simulates: unpulsed controls, say, as the tests of the simulation do.)

    Raises
    ------
    ConfigError
        Naming the key to change.
    """
    sweep, pulses, simulation = config["sweep"], config["pulses"], config["simulation"]
    if not any(height != 0 for height in sweep["heights_nA"]):
        raise ConfigError(
            "sweep.heights_nA",
            sweep["heights_nA"],
            "at least one non-zero height: 0 is the paired control, and controls alone "
            "measure no response",
        )
    if schedule_length(config) == 0:
        duration_ms = simulation["duration_s"] * 1e3
        if pulses["schedule"] == "explicit":
            raise ConfigError(
                "pulses.times_ms",
                pulses["times_ms"],
                f"at least one pulse time in [0, {duration_ms:g}) ms for the explicit schedule",
            )
        raise ConfigError(
            "pulses.interval_ms",
            pulses["interval_ms"],
            f"less than the simulated time ({duration_ms:g} ms, simulation.duration_s): "
            "no pulse falls inside the run",
        )
    window, dt = config["analysis"]["window_ms"], simulation["dt_ms"]
    if window < dt:
        raise ConfigError(
            "analysis.window_ms",
            window,
            f"at least simulation.dt_ms ({dt} ms): a window shorter than one step sees no spike",
        )


def check_science(config: Config) -> None:
    """The checks that need numpy: every neuron each seed draws is valid (``tau > 0``,
    ``Vr < Vt``; firing tonically under ``phase_scan``); a model of ``models:`` by
    Brian2's parser, and every seed's draws of its heterogeneous parameters.

    Raises
    ------
    ConfigError
        Naming the key to change, as the other checks do.
    """
    from pulsesweep.model.model_checks import check_neuron_model
    from pulsesweep.model.population import check_parameter_draws, draw_model_population

    model = neuron_model(config)
    if model is None:
        check_parameter_draws(config)
    else:
        check_neuron_model(config)
        for seed in config["simulation"]["seeds"]:
            draw_model_population(config, model, seed)
    if config.get("kernels"):  # sympy, imported only for the config's own kernels
        from pulsesweep.model.kernel_expressions import check_kernel_numerics

        check_kernel_numerics(config)
