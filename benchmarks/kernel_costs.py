"""The kernel comparison of `make bench` (6., or ``--only kernels``): a pulse shape from
the config against the built-in of the same shape, each job's binary alone, and its rows
of docs/performance.md's table."""

from __future__ import annotations

import logging
import statistics
import tempfile
from pathlib import Path

from docs_page import PAGES, measured_by, replace_section
from measure import BINARY_SECONDS, ROOT, row

#: The kernels of the kernel comparison (6.): the built-in exponential, the same shape
#: from the config (sympy finds its antiderivative) and one on the same support that
#: sympy cannot integrate (Gauss–Legendre quadrature of every step), s from 0 to 40 as
#: the built-in's; the config's ``kernels:`` section of every run of the comparison.
CUSTOM_KERNELS = {
    "exp_expr": {"shape": "exp(-s)", "start": 0, "stop": 40},
    "exp_quad": {"shape": "exp(-s)/(1 + s**2)", "start": 0, "stop": 40},
}
#: The kernels compared, by name, with how each step's integral is computed.
KERNEL_CASES = {
    "exponential": "built-in `exponential`, closed form",
    "exp_expr": "`exp(-s)` from the config, sympy's antiderivative",
    "exp_quad": "`exp(-s)/(1 + s**2)` from the config, Gauss–Legendre",
}
#: The jobs of the comparison, as changes to the default config, and their pulse width
#: (ms): the default sweep's first job (its five kernels swapped for one), whose pulses
#: act on few steps, and a pulse-heavy one, whose pulses act from their onset to the end
#: of the run (40 widths of 250 ms: the 10 s run), ten times more of them, one height.
KERNEL_JOBS = {
    "default job": ({}, 0.5),
    "pulse-heavy job": (
        {"pulses": {"interval_ms": 50.0}, "sweep": {"heights_nA": [0, 0.5]}},
        250.0,
    ),
}
#: The no-pulse baseline of each job: its binary and schedule with box pulses one step
#: wide, which act on two or three steps each.
BASELINE = "box"


def _pulse_steps(config: dict, job) -> tuple[int, int]:
    """The job's pulse-steps (each pulse's steps ``first_step <= n < last_step``, where
    its kernel is evaluated, summed over its pulses), and its pulses × steps (every pulse
    of the build at every step: the binary looks at each)."""
    import numpy as np

    from pulsesweep.config.steps import STEPS
    from pulsesweep.model.grid import grid_points
    from pulsesweep.model.kernels import kernel_table
    from pulsesweep.model.run import Run
    from pulsesweep.model.schedule import make_schedule
    from pulsesweep.model.stimulus import pulse_inputs

    view = STEPS["simulate"].view(config)  # as the job reads its config
    schedules = {seed: make_schedule(view, seed) for seed in job.seeds}
    run = Run.from_config(config)
    points = grid_points(config, **job.selection())
    n_neurons = config["network"]["n_neurons"]
    pulses = pulse_inputs(points, schedules, n_neurons, run.dt, run.n_steps, kernel_table(config))
    steps = np.minimum(pulses.last_step, run.n_steps) - pulses.first_step
    return int(np.clip(steps, 0, None).sum()), job.model_shape(config).n_pulses * run.n_steps


class _BinaryTimes(logging.Handler):
    """The seconds of each compiled binary's run that ``pulsesweep`` logs, as they come."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seconds: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        found = BINARY_SECONDS.search(record.getMessage())
        if found:
            self.seconds.append(float(found[1]))


def _binary_seconds_here(config: dict, job, build: Path, output: Path) -> float:
    """Simulate ``job`` of ``config`` with ``build`` in this process, as `pulsesweep
    simulate` does (``run._binary_seconds`` without a Python start-up and sympy's search
    for each custom kernel's antiderivative per run): the seconds of its binary."""
    from pulsesweep.simulation.job import simulate_to_netcdf

    logger = logging.getLogger("pulsesweep")
    times, level = _BinaryTimes(), logger.level
    logger.addHandler(times)
    logger.setLevel(logging.INFO)
    try:
        selection = job.selection()
        simulate_to_netcdf(config, output, build=build, **selection)
    finally:
        logger.removeHandler(times)
        logger.setLevel(level)
    (seconds,) = times.seconds
    return seconds


def kernel_costs(repeats: int) -> dict:
    """Each job of :data:`KERNEL_JOBS` with each kernel of :data:`KERNEL_CASES` and with
    the :data:`BASELINE`, its binary alone (runs alternate, as in ``run.binary_alone``):
    by job and kernel, the binary's seconds per run, its neuron-steps, pulse-steps and
    pulses × steps (``slots``), and its model shape. Every kernel of a job runs the same
    binary (the config defines both custom kernels), with the same neurons and onsets."""
    from pulsesweep.config.resolution import merge_configs, read_config_file, resolve_config
    from pulsesweep.jobs import simulation_jobs
    from pulsesweep.simulation.builds import ensure_build

    default = read_config_file(ROOT / "config" / "config.yaml")  # unresolved: its defaults follow
    step_ms = default["simulation"]["dt_ms"]
    cases, runs = {}, {}
    with tempfile.TemporaryDirectory() as scratch:
        for job, (changes, width) in KERNEL_JOBS.items():
            for kernel in [*KERNEL_CASES, BASELINE]:
                widths = [step_ms if kernel == BASELINE else width]
                own = {
                    "kernels": CUSTOM_KERNELS,
                    "sweep": {"kernels": [kernel], "widths_ms": widths},
                    "jobs": {"min_jobs": 1},
                }
                config = resolve_config(merge_configs(default, changes, own))
                (simulation,) = simulation_jobs(config).values()  # one kernel and width: one job
                shape = simulation.model_shape(config)
                pulse_steps, slots = _pulse_steps(config, simulation)
                output = Path(scratch) / f"{job}-{kernel}.nc".replace(" ", "-")
                runs[job, kernel] = (config, simulation, ensure_build(shape), output)
                cases[job, kernel] = {
                    "shape": shape,
                    "neuron_steps": shape.n_neurons * shape.n_steps,
                    "pulse_steps": pulse_steps,
                    "slots": slots,
                    "seconds": [],
                }
            keys = {cases[job, kernel]["shape"].key for kernel in [*KERNEL_CASES, BASELINE]}
            assert len(keys) == 1, f"{job}: the kernels' jobs need one build, not {keys}"
        for _ in range(repeats):
            for key, case in cases.items():  # alternate: same machine state
                case["seconds"].append(_binary_seconds_here(*runs[key]))
    return cases


def _is_kernel_row(line: str) -> bool:
    """Whether a line of the table is one of :func:`kernel_rows` (``--only kernels``
    replaces these alone)."""
    return line.startswith(("| kernels", "| **kernels"))


def _job_summary(case: dict, width: float) -> str:
    shape = case["shape"]
    return (
        f"{shape.n_neurons} neurons × {shape.n_steps} steps, {shape.n_pulses} pulses of "
        f"{width:g} ms: pulses act on {case['pulse_steps']:.3g} pulse-steps, "
        f"{100 * case['pulse_steps'] / case['slots']:.2g} % of the pulses × steps the binary "
        "goes through"
    )


def _default_job_rows(job: str, cases: dict, width: float) -> list[str]:
    """The default job: each kernel's binary in neuron-steps per second, and the ratios of
    the whole binary's times (diluted by everything but the pulses)."""
    seconds = {kernel: statistics.median(case["seconds"]) for kernel, case in cases.items()}
    builtin, exact, quadrature = KERNEL_CASES
    rows = []
    for kernel, how in KERNEL_CASES.items():
        rate = cases[kernel]["neuron_steps"] / seconds[kernel]
        note = f"{seconds[kernel]:.2f} s per run"
        if kernel == builtin:
            note = f"{_job_summary(cases[kernel], width)}; {note}"
        rows.append(row(f"kernels, {job}: {how}", f"{rate:.3g} neuron-steps/s", note))
    share = 100 * cases[builtin]["pulse_steps"] / cases[builtin]["slots"]
    rows.append(
        row(
            f"**kernels: custom / built-in cost, {job}**",
            f"**{seconds[exact] / seconds[builtin]:.2f}× exact, "
            f"{seconds[quadrature] / seconds[builtin]:.2f}× quadrature**",
            f"the whole binary's time; diluted: the pulses act on {share:.2g} % of the "
            "pulses × steps, and with box pulses one step wide (the no-pulse baseline) "
            f"the binary takes {seconds[BASELINE]:.2f} s; target ≤ 1.5×",
        )
    )
    return rows


def _paired(case: dict, builtin: dict, baseline: dict) -> list[float]:
    """Each run's cost net of the baseline over the built-in's, run by run (they alternate)."""
    runs = zip(case["seconds"], builtin["seconds"], baseline["seconds"], strict=True)
    return [(kernel - base) / (reference - base) for kernel, reference, base in runs]


def _pulse_heavy_rows(job: str, cases: dict, width: float) -> list[str]:
    """The pulse-heavy job: each kernel's pulse-steps per second of the binary's time net of
    the no-pulse baseline, and the ratios of these costs per pulse-step."""
    seconds = {kernel: statistics.median(case["seconds"]) for kernel, case in cases.items()}
    net = {kernel: seconds[kernel] - seconds[BASELINE] for kernel in KERNEL_CASES}
    builtin, exact, quadrature = KERNEL_CASES
    rows = []
    for kernel, how in KERNEL_CASES.items():
        case = cases[kernel]
        rate = case["pulse_steps"] / net[kernel]
        note = (
            f"{1e9 / rate:.0f} ns per pulse-step; {seconds[kernel]:.2f} s per run, "
            f"{case['neuron_steps'] / seconds[kernel]:.3g} neuron-steps/s"
        )
        if kernel == builtin:
            note = f"{_job_summary(case, width)}; {note}"
        rows.append(row(f"kernels, {job}: {how}", f"{rate:.3g} pulse-steps/s", note))
    base = cases[BASELINE]
    rows.append(
        row(
            f"kernels, {job}: no-pulse baseline",
            f"{seconds[BASELINE]:.2f} s",
            f"the same binary, neurons and onsets with box pulses one step "
            f"({base['shape'].dt * 1e3:g} ms) wide: {base['pulse_steps']} pulse-steps; "
            "subtracted from each kernel's time above",
        )
    )
    runs = {
        kernel: ", ".join(f"{r:.2f}" for r in _paired(cases[kernel], cases[builtin], base))
        for kernel in (exact, quadrature)
    }
    rows.append(
        row(
            "**kernels: custom / built-in cost per pulse-step**",
            f"**{net[exact] / net[builtin]:.2f}× exact, "
            f"{net[quadrature] / net[builtin]:.2f}× quadrature**",
            f"{job}, the time net of the baseline per pulse-step; run by run "
            f"{runs[exact]} and {runs[quadrature]}×; the whole binary's time: "
            f"{seconds[exact] / seconds[builtin]:.2f}× and "
            f"{seconds[quadrature] / seconds[builtin]:.2f}×; target ≤ 1.5×",
        )
    )
    return rows


def kernel_rows(costs: dict) -> list[str]:
    """The rows of the kernel comparison (:func:`kernel_costs`): the default job's binary
    in neuron-steps per second, the pulse-heavy job's pulse-steps per second net of its
    no-pulse baseline, and the ratios custom / built-in of each, beside the target."""
    rows = []
    for (job, (_, width)), rows_of in zip(
        KERNEL_JOBS.items(), (_default_job_rows, _pulse_heavy_rows), strict=True
    ):
        cases = {kernel: costs[job, kernel] for kernel in [*KERNEL_CASES, BASELINE]}
        rows += rows_of(job, cases, width)
    return rows


def publish_kernel_rows(rows: list[str], command: str, update_docs: bool) -> None:
    """``--only kernels``: print :func:`kernel_rows` and, if ``update_docs``, put them in
    place of the kernel rows of docs/performance.md's table (the others stay as they are),
    with when and where they were measured after the table's own measured-by line."""
    measured = measured_by(command)
    note = f"The `kernels` rows: {measured[0].lower()}{measured[1:]}"
    print(f"{note}\n\n| measure | median | notes |\n|---|---|---|")
    print("\n".join(rows))
    if not update_docs:
        return
    page = PAGES["performance"]
    content = page.read_text()
    section = content.split("<!-- performance:start -->")[1].split("<!-- performance:end -->")[0]
    header, *lines = [line for line in section.strip().splitlines() if line.strip()]
    header = header.split(" The `kernels` rows: ")[0]
    kept = [line for line in lines if not _is_kernel_row(line)]
    old = [index for index, line in enumerate(lines) if _is_kernel_row(line)]
    after = [index + 1 for index, line in enumerate(kept) if "`precise` cost / `euler`" in line]
    at = (old or after or [len(kept)])[0]  # where they were, else where make bench puts them
    replace_section(
        "performance", "\n".join([*kept[:at], *rows, *kept[at:]]), header=f"{header} {note}"
    )
    print(f"written into {page}")
