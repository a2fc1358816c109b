"""pulsesweep's speed, side by side in one run: `make bench` (or python benchmarks/run.py).

Measures, on this machine, with medians of --repeats runs:

1. the default sweep end to end (build, simulate, aggregate, figures) with
   ``snakemake --cores 2`` from an empty results/, and each job's peak memory; before
   each run, one naive-loop point (3.) as a gauge of the machine's speed of the moment,
   so that the sweep's time is also given in naive points;
2. one simulation job's compiled binary alone, in neuron-steps per second, with the
   default ``precise`` method and with ``euler``, side by side;
3. the naive loop, written as the forum thread does it (benchmarks/naive_point.py:
   one Python process per grid point, SpikeGeneratorGroup + Synapses, Brian2's
   default target, warm cache), over a sample of points;
4. the reference loop: the same arithmetic in plain C (benchmarks/reference_loop.c),
   compiled with the same flags as the simulation, as the limit;
5. a dry run of a 100,000-point grid;
6. a pulse shape from the config against the built-in of the same shape (``--only
   kernels`` measures this alone): the binary alone of one job with the built-in
   ``exponential``, with ``exp(-s)`` from the config (sympy's antiderivative) and with
   ``exp(-s)/(1 + s**2)`` (Gauss–Legendre quadrature), all on s from 0 to 40, in the
   default job (neuron-steps per second) and in a pulse-heavy job, whose pulses act on
   half of its pulses × steps (pulse-steps per second, net of a no-pulse baseline);
7. a neuron model of the config's own (``--only models`` measures this alone): the AdEx
   of config/examples/adex.yaml on the default sweep's grid (its ``network`` and
   ``models`` sections merged over config/config.yaml, 100 neurons, periodic pulses)
   end to end with ``snakemake --cores 2``, and before each run the naive loop of the
   same model (benchmarks/naive_model_point.py) over the naive sample: the sweep's time,
   the naive seconds per point and their ratio over all the sweep's points.

It prints a table with the ratios and, with --update-docs, writes it into
docs/performance.md, with the date and the machine (with --only kernels, its rows alone),
and 7. into a table of its own there (section ``models``).
Timing lives here, never in the tests.
"""

from __future__ import annotations

import argparse
import csv
import logging
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from docs_page import PAGES, measured_by, publish, replace_section

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NAIVE_SAMPLE = [("exponential", 10.0, 5.0), ("inverse_time", 10.0, 5.0), ("exponential", 2.0, 1.0)]
BIG_GRID = {
    "simulation": {"seeds": list(range(10))},
    "sweep": {
        "heights_nA": [round(0.5 * k, 1) for k in range(1, 51)],
        "widths_ms": [round(0.5 * k, 1) for k in range(1, 41)],
    },
}


def timed(command: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=True, **kwargs)
    return time.perf_counter() - started, completed


def snakemake(directory: Path, *arguments: str) -> list[str]:
    return [
        str(BIN / "snakemake"),
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(directory),
        *arguments,
    ]


def _naive_point(kernel: str, height: float, width: float, script: str = "naive_point.py") -> float:
    """Seconds of one naive-loop point (benchmarks/naive_point.py, or ``script`` of
    benchmarks/, e.g. naive_model_point.py), one process."""
    command = [sys.executable, str(ROOT / "benchmarks" / script), "--kernel", kernel]
    return timed([*command, "--height-nA", str(height), "--width-ms", str(width)])[0]


def sweep_once(config_file: Path) -> dict:
    """One run of a sweep end to end, ``snakemake --cores 2 --configfile config_file``
    from an empty results/ in a temporary directory: its wall time, and what its jobs'
    benchmark files say (by rule, peak memory in MB and when its jobs ran, in s from the
    first job's start; each simulate job's seconds; the share of each simulate job spent
    in its binary), and the size of its netCDF files."""
    with tempfile.TemporaryDirectory(prefix="pulsesweep-bench-") as scratch:
        command = snakemake(Path(scratch), "--cores", "2", "--configfile", str(config_file))
        wall, _ = timed(command)
        results = Path(scratch) / "results"
        memory, timeline, jobs, shares = {}, {}, {}, []
        for table in (results / "benchmarks").rglob("*.tsv"):
            rule = table.parent.name if table.parent.name != "benchmarks" else table.stem
            with table.open() as handle:
                row = next(csv.DictReader(handle, delimiter="\t"))
            memory[rule] = max(memory.get(rule, 0.0), float(row["max_rss"]))
            # A job's benchmark file is written as it ends: its mtime is the job's end.
            end = table.stat().st_mtime
            first, last = timeline.get(rule, (end, end))
            timeline[rule] = (min(first, end - float(row["s"])), max(last, end))
            if rule == "simulate":
                jobs[table.stem] = float(row["s"])
                log = results / "logs" / "simulate" / f"{table.stem}.log"
                binary = re.search(r"steps in ([0-9.]+) s \(cpp_standalone", log.read_text())
                shares.append(float(binary[1]) / float(row["s"]))
        start = min(first for first, _ in timeline.values())
        spans = {rule: (first - start, last - start) for rule, (first, last) in timeline.items()}
        size = sum(p.stat().st_size for p in results.rglob("*.nc"))
        simulations = sum(p.stat().st_size for p in (results / "simulations").glob("*.nc"))
    return {
        "simulations_size": simulations,
        "wall": wall,
        "memory_mb": memory,
        "spans": spans,
        "job_seconds": jobs,
        "binary_share": shares,
        "size": size,
    }


def end_to_end(repeats: int) -> dict:
    """Wall time of the default sweep, and what its jobs' benchmark files say; before
    each run, a naive point as a gauge of the machine's speed at that moment."""
    walls, gauges, memory, jobs, spans, shares = [], [], {}, {}, {}, []
    _naive_point(*NAIVE_SAMPLE[0])  # warm-up
    for _ in range(repeats):
        gauges.append(_naive_point(*NAIVE_SAMPLE[0]))
        run = sweep_once(ROOT / "config" / "config.yaml")
        walls.append(run["wall"])
        for rule, peak in run["memory_mb"].items():
            memory[rule] = max(memory.get(rule, 0.0), peak)
        for name, seconds in run["job_seconds"].items():
            jobs.setdefault(name, []).append(seconds)
        for rule, span in run["spans"].items():
            spans.setdefault(rule, []).append(span)
        shares += run["binary_share"]
    return {
        "wall": walls,
        "gauge": gauges,
        "memory_mb": memory,
        "job_seconds": jobs,
        "size_mb": run["size"] / 1e6,
        "simulations_mb": run["simulations_size"] / 1e6,
        "spans": spans,
        "binary_share": shares,
        "example_job": sorted(jobs)[0],
    }


def default_job(job_name: str):
    """A job of the default sweep, by name."""
    from pulsesweep.config.resolution import load_config
    from pulsesweep.jobs import simulation_jobs

    return simulation_jobs(load_config(ROOT / "config" / "config.yaml"))[job_name]


def neuron_steps(job_name: str) -> int:
    from pulsesweep.config.resolution import load_config

    return default_job(job_name).neuron_steps(load_config(ROOT / "config" / "config.yaml"))


def _job_command(job_name: str, method: str, scratch: Path) -> tuple[list[str], object]:
    """The `pulsesweep simulate` command of one default-sweep job with ``method``."""
    from pulsesweep.config.resolution import load_config, resolve_config

    config = load_config(ROOT / "config" / "config.yaml")
    config["simulation"]["method"] = method
    return _simulate_command(resolve_config(config), job_name, scratch, method)


def _simulate_command(
    config: dict, job_name: str, scratch: Path, label: str
) -> tuple[list[str], object]:
    """The `pulsesweep simulate` command of the job ``job_name`` of a resolved ``config``
    (written to ``scratch/label.yaml``), with its build, compiled if missing, and the
    build's model shape."""
    from pulsesweep.jobs import simulation_jobs
    from pulsesweep.simulation.builds import ensure_build

    job = simulation_jobs(config)[job_name]
    shape = job.model_shape(config)
    config_file = scratch / f"{label}.yaml"
    config_file.write_text(yaml.safe_dump(config))
    selection = job.selection()
    command = [
        str(BIN / "pulsesweep"),
        "simulate",
        "--config",
        str(config_file),
        "--build",
        str(ensure_build(shape)),
        "--kernel",
        *selection["kernels"],
        "--height-nA",
        *map(str, selection["heights_nA"]),
        "--width-ms",
        *map(str, selection["widths_ms"]),
        "--seed",
        *map(str, selection["seeds"]),
        "--output",
        str(scratch / f"{label}.nc"),
    ]
    return command + (["--controls"] if selection["controls"] else []), shape


def _binary_seconds(command: list[str]) -> float:
    """Run a `pulsesweep simulate` command: the seconds of its binary, from its log."""
    _, completed = timed(command)
    return float(re.search(r"steps in ([0-9.]+) s \(cpp_standalone", completed.stderr)[1])


def binary_alone(
    job_name: str, repeats: int, methods: tuple[str, ...] = ("precise", "euler")
) -> tuple[dict[str, list[float]], object]:
    """One job's compiled binary on an idle machine, for each method in turn: seconds per
    run (the binary's own time, from the job's log), and the job's model shape."""
    seconds: dict[str, list[float]] = {method: [] for method in methods}
    with tempfile.TemporaryDirectory() as scratch:
        commands = {method: _job_command(job_name, method, Path(scratch)) for method in methods}
        for _ in range(repeats):
            for method, (command, _) in commands.items():  # alternate: same machine state
                seconds[method].append(_binary_seconds(command))
    return seconds, commands[methods[0]][1]


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
        found = re.search(r"steps in ([0-9.]+) s \(cpp_standalone", record.getMessage())
        if found:
            self.seconds.append(float(found[1]))


def _binary_seconds_here(config: dict, job, build: Path, output: Path) -> float:
    """Simulate ``job`` of ``config`` with ``build`` in this process, as `pulsesweep
    simulate` does (:func:`_binary_seconds` without a Python start-up and sympy's search
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
    the :data:`BASELINE`, its binary alone (runs alternate, as in :func:`binary_alone`):
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


def naive_loop(repeats: int) -> list[float]:
    """Seconds per grid point, one process each, after a warm-up that fills the cache."""
    for kernel in {kernel for kernel, _, _ in NAIVE_SAMPLE}:
        _naive_point(kernel, *NAIVE_SAMPLE[0][1:])
    return [_naive_point(*point) for _ in range(repeats) for point in NAIVE_SAMPLE]


#: The model sweep (7.): config/examples/adex.yaml's model on the default sweep's grid.
MODEL_EXAMPLE = ROOT / "config" / "examples" / "adex.yaml"
#: The naive loop of a model (benchmarks/naive_model_point.py: the AdEx by default).
NAIVE_MODEL = "naive_model_point.py"


def model_sweep_config(example: Path = MODEL_EXAMPLE) -> dict:
    """The model sweep's config file, merged over config/config.yaml: the example's
    ``network`` and ``models`` sections, with the default ``network.n_neurons`` (the
    default-size sweep: its grid, neurons, duration and periodic schedule), and the
    example's ``figures.example_height_nA`` (the default's 10 nA drives the AdEx far past
    its rheobase of about 0.6 nA)."""
    example_config = yaml.safe_load(example.read_text())
    network = {k: v for k, v in example_config["network"].items() if k != "n_neurons"}
    figures = {"example_height_nA": example_config["figures"]["example_height_nA"]}
    return {"network": network, "models": example_config["models"], "figures": figures}


def _literal_blocks(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    """Multi-line text (equations, resets) as YAML block scalars, as the example writes it."""
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


class _ConfigDumper(yaml.SafeDumper):
    pass


_ConfigDumper.add_representer(str, _literal_blocks)


def model_sweep(repeats: int) -> dict:
    """The model sweep (:func:`model_sweep_config`) end to end, :func:`sweep_once` per run,
    and before each run the naive loop of the same model over :data:`NAIVE_SAMPLE` (one
    process per point, after a warm-up that fills the cache): the naive points of a run
    are timed beside its sweep, in the machine's speed of that moment."""
    from pulsesweep.config.resolution import load_config
    from pulsesweep.model.grid import grid_points
    from pulsesweep.model.run import Run

    walls, naive, memory, spans, shares, jobs = [], [], {}, {}, [], []
    with tempfile.TemporaryDirectory(prefix="pulsesweep-bench-models-") as scratch:
        config_file = Path(scratch) / "model-sweep.yaml"
        config_file.write_text(
            yaml.dump(model_sweep_config(), Dumper=_ConfigDumper, sort_keys=False)
        )
        config = load_config(ROOT / "config" / "config.yaml", config_file)
        for kernel in {kernel for kernel, _, _ in NAIVE_SAMPLE}:
            _naive_point(kernel, *NAIVE_SAMPLE[0][1:], script=NAIVE_MODEL)  # warm-up
        for _ in range(repeats):
            naive.append([_naive_point(*point, script=NAIVE_MODEL) for point in NAIVE_SAMPLE])
            run = sweep_once(config_file)
            walls.append(run["wall"])
            for rule, peak in run["memory_mb"].items():
                memory[rule] = max(memory.get(rule, 0.0), peak)
            for rule, span in run["spans"].items():
                spans.setdefault(rule, []).append(span)
            shares += run["binary_share"]
            jobs.append(len(run["job_seconds"]))
    network, simulation = config["network"], config["simulation"]
    return {
        "wall": walls,
        "naive": naive,
        "memory_mb": memory,
        "spans": spans,
        "binary_share": shares,
        "jobs": statistics.median(jobs),
        "points": len(grid_points(config)),
        "n_neurons": network["n_neurons"],
        "n_steps": Run.from_config(config).n_steps,
        "model": network["model"],
        "grid": " × ".join(
            f"{len(values)} {axis}"
            for axis, values in (
                ("kernels", config["sweep"]["kernels"]),
                ("heights", config["sweep"]["heights_nA"]),
                ("widths", config["sweep"]["widths_ms"]),
                ("seeds", simulation["seeds"]),
            )
        ),
        "duration_s": simulation["duration_s"],
        "schedule": config["pulses"]["schedule"],
    }


def model_rows(sweep: dict) -> str:
    """The model sweep's table: its time end to end, the naive loop's time per point, the
    sweep in naive points and the ratio naive loop over all points / sweep, beside the
    target; each run's ratio is over the naive points timed just before it."""
    walls, points = sweep["wall"], sweep["points"]
    per_run = [statistics.median(times) for times in sweep["naive"]]
    naive = statistics.median(t for times in sweep["naive"] for t in times)
    in_naive = [wall / point for wall, point in zip(walls, per_run, strict=True)]
    ratios = [points / cost for cost in in_naive]
    model, n_steps = sweep["model"], sweep["n_steps"]
    naive_rate = sweep["n_neurons"] * n_steps / naive
    sample = ", ".join(f"{k} {h:g} nA {w:g} ms" for k, h, w in NAIVE_SAMPLE)
    memory = sweep["memory_mb"]
    rows = [
        "| measure | median | notes |",
        "|---|---|---|",
        _row(
            f"`{model}` model, default-size sweep end to end, `snakemake --cores 2`",
            f"{statistics.median(walls):.1f} s",
            f"{len(walls)} runs: {', '.join(f'{w:.1f}' for w in walls)} s; {points} points "
            f"({sweep['grid']}) of {sweep['n_neurons']} neurons × {sweep['duration_s']:g} s, "
            f"{sweep['schedule']} pulses, in {sweep['jobs']:.0f} simulate jobs",
        ),
        _row(
            "stages of the median run (start–end, s from the first job's start)",
            "",
            critical_path(sweep),
        ),
        _row(
            f"naive `{model}` loop (one process per point)",
            f"{naive:.2f} s per point",
            f"{naive_rate:.3g} neuron-steps/s; {len(NAIVE_SAMPLE)} points ({sample}) before "
            f"each run, warm cache: "
            + "; ".join(", ".join(f"{t:.2f}" for t in times) for times in sweep["naive"])
            + " s",
        ),
        _row(
            f"`{model}` sweep in naive points",
            f"{statistics.median(in_naive):.1f}",
            "each run over its naive points' median: "
            + ", ".join(f"{w:.1f} s / {t:.2f} s" for w, t in zip(walls, per_run, strict=True)),
        ),
        _row(
            f"**`{model}` sweep / naive loop**",
            f"**{statistics.median(ratios):.0f}×**",
            f"the naive loop's time for all {points} points over the sweep's, run by run "
            + ", ".join(f"{r:.0f}" for r in ratios)
            + "×; target ≥ 25×",
        ),
        _row(
            "share of a simulate job spent in its binary",
            f"{100 * statistics.median(sweep['binary_share']):.0f} %",
            f"median over {len(sweep['binary_share'])} jobs",
        ),
        _row(
            "peak memory per job",
            f"{max(memory.values()):.0f} MB",
            ", ".join(f"{k} {v:.0f}" for k, v in sorted(memory.items())) + " MB",
        ),
    ]
    return "\n".join(rows)


def reference_loop(
    n_neurons: int, n_steps: int, n_pulses: int, fanout: int, repeats: int, method: str
) -> list[float]:
    """Neuron-steps per second of the C loop, compiled with the simulation's flags."""
    from pulsesweep.simulation.builds import COMPILER_FLAGS

    with tempfile.TemporaryDirectory() as scratch:
        binary = f"{scratch}/reference_loop"
        subprocess.run(
            [
                "cc",
                *COMPILER_FLAGS,
                str(ROOT / "benchmarks" / "reference_loop.c"),
                "-o",
                binary,
                "-lm",
            ],
            check=True,
        )
        rates = []
        for _ in range(repeats):
            arguments = [n_neurons, n_steps, n_pulses, fanout]
            _, completed = timed([binary, *map(str, arguments), method])
            rates.append(float(completed.stdout.split()[0]))
    return rates


def dry_run(repeats: int) -> tuple[list[float], int]:
    """Seconds for `snakemake -n` of a 100,000-point grid, and the number of jobs."""
    walls = []
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "big.yaml"
        config.write_text(yaml.safe_dump(BIG_GRID))
        for _ in range(repeats):
            wall, completed = timed(snakemake(Path(scratch), "-n", "--configfile", str(config)))
            walls.append(wall)
    total = re.search(r"^total\s+(\d+)", completed.stdout, re.MULTILINE)
    return walls, int(total[1])


def critical_path(e2e: dict) -> str:
    """When each stage ran in the median run (of :func:`end_to_end` or
    :func:`model_sweep`): the build, then the simulations, then the aggregation, then the
    figures; the theory curves and the examples run beside them."""
    median_run = sorted(range(len(e2e["wall"])), key=e2e["wall"].__getitem__)[len(e2e["wall"]) // 2]
    order = [
        "build_simulator",
        "simulate",
        "theory_curves",
        "simulate_examples",
        "plot_examples",
        "aggregate",
        "plot_responses",
    ]
    spans = {rule: e2e["spans"][rule][median_run] for rule in order if rule in e2e["spans"]}
    return "; ".join(
        f"{rule} {first:.1f}–{last:.1f} ({last - first:.1f} s)"
        for rule, (first, last) in spans.items()
    )


def _row(what: str, value: str, note: str = "") -> str:
    return f"| {what} | {value} | {note} |"


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
        rows.append(_row(f"kernels, {job}: {how}", f"{rate:.3g} neuron-steps/s", note))
    share = 100 * cases[builtin]["pulse_steps"] / cases[builtin]["slots"]
    rows.append(
        _row(
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
        rows.append(_row(f"kernels, {job}: {how}", f"{rate:.3g} pulse-steps/s", note))
    base = cases[BASELINE]
    rows.append(
        _row(
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
        _row(
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


def table(results: dict) -> str:
    e2e, naive, reference = results["e2e"], results["naive"], results["reference"]
    binary_rate = results["binary_neuron_steps"] / statistics.median(results["binary"])
    euler_rate = results["binary_neuron_steps"] / statistics.median(results["binary_euler"])
    job_seconds = [statistics.median(v) for v in e2e["job_seconds"].values()]
    job_rate = neuron_steps(e2e["example_job"]) / statistics.median(job_seconds)
    naive_rate = 100 * 100_000 / statistics.median(naive)
    reference_rate = statistics.median(reference)
    dry, jobs = results["dry_run"]
    memory = e2e["memory_mb"]
    paired = [wall / gauge for wall, gauge in zip(e2e["wall"], e2e["gauge"], strict=True)]

    def row(what, value, note=""):
        return f"| {what} | {value} | {note} |"

    rows = [
        "| measure | median | notes |",
        "|---|---|---|",
        row(
            "default sweep end to end, `snakemake --cores 2`",
            f"{statistics.median(e2e['wall']):.1f} s",
            f"{len(e2e['wall'])} runs: "
            + ", ".join(f"{w:.1f}" for w in e2e["wall"])
            + " s; target ≤ 40 s",
        ),
        row(
            "**default sweep in naive points**",
            f"**{statistics.median(paired):.1f}**",
            "each run over a naive point (first of the sample) timed just before it: "
            + ", ".join(
                f"{wall:.1f} s / {gauge:.2f} s"
                for wall, gauge in zip(e2e["wall"], e2e["gauge"], strict=True)
            )
            + "; the sweep's cost in units of this shared machine's speed of the moment",
        ),
        row(
            "stages of the median run (start–end, s from the first job's start)",
            "",
            critical_path(e2e),
        ),
        row(
            "simulation: one job's compiled binary, `precise`",
            f"{binary_rate:.3g} neuron-steps/s",
            f"{results['shape']} alone on the machine: the job's distinct neurons, padded "
            f"to the build ({results['distinct']})",
        ),
        row(
            "the same job's binary, `euler`",
            f"{euler_rate:.3g} neuron-steps/s",
            "grid spike times; the forum thread's method",
        ),
        row(
            "**`precise` cost / `euler` cost**",
            f"**{euler_rate / binary_rate:.2f}×**",
            "target ≤ 1.25×",
        ),
        *kernel_rows(results["kernels"]),
        row(
            "simulation: one whole simulate job",
            f"{job_rate:.3g} neuron-steps/s",
            "every neuron of every grid point (copies included) per second of the job: "
            "Python, inputs, binary and netCDF, as Snakemake's benchmark files time it",
        ),
        row(
            "**share of a simulate job spent in its binary**",
            f"**{100 * statistics.median(e2e['binary_share']):.0f} %**",
            f"median over {len(e2e['binary_share'])} jobs (the binary's time in the job's log "
            "/ the job's time in its benchmark file); target ≥ 60 %",
        ),
        row(
            "naive loop (forum design, one process per point)",
            f"{naive_rate:.3g} neuron-steps/s",
            f"{statistics.median(naive):.2f} s per point, {len(naive)} points, warm cache",
        ),
        row(
            "reference loop (plain C, same `precise` arithmetic)",
            f"{reference_rate:.3g} neuron-steps/s",
            "same flags as the simulation (-O3, no -march=native, no fast-math)",
        ),
        row(
            "**simulation / naive**",
            f"**{binary_rate / naive_rate:.0f}×**",
            f"whole job: {job_rate / naive_rate:.0f}×; target ≥ 25×",
        ),
        row(
            "**reference / simulation**",
            f"**{reference_rate / binary_rate:.2f}×**",
            "target ≤ 1.6×",
        ),
        row(
            "peak memory per job",
            f"{max(memory.values()):.0f} MB",
            ", ".join(f"{k} {v:.0f}" for k, v in sorted(memory.items()) if not k.startswith("plot"))
            + " MB; target ≤ 2 GB",
        ),
        row(
            "results/*.nc of the default sweep",
            f"{e2e['size_mb']:.0f} MB",
            f"of which the simulation files {e2e['simulations_mb']:.0f} MB (target ≤ 70 MB): "
            "each distinct train once; zlib level 1, shuffled but the pulse indices, "
            "`precise` spike times as float64 s",
        ),
        row(
            "dry run of a 100,000-point grid",
            f"{statistics.median(dry):.1f} s",
            f"{jobs} jobs with the default batching; target < 30 s",
        ),
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measure")
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="write the table into docs/performance.md",
    )
    parser.add_argument(
        "--only",
        choices=["kernels", "models"],
        help="measure this part alone (kernels: the custom kernels against the built-in, "
        "6.; models: the AdEx sweep against its naive loop, 7.); with --update-docs, only "
        "its rows of the table (kernels) or its own table (models) change",
    )
    arguments = parser.parse_args()
    repeats = arguments.repeats
    if arguments.only == "kernels":
        print("custom kernels against the built-in ...", flush=True)
        command = f"python benchmarks/run.py --only kernels --repeats {repeats}"
        publish_kernel_rows(kernel_rows(kernel_costs(repeats)), command, arguments.update_docs)
        return
    if arguments.only == "models":
        print("the AdEx sweep against its naive loop ...", flush=True)
        command = f"python benchmarks/run.py --only models --repeats {repeats}"
        publish("models", command, model_rows(model_sweep(repeats)), arguments.update_docs)
        return
    print("default sweep end to end ...", flush=True)
    e2e = end_to_end(repeats)
    print("one job's binary alone ...", flush=True)
    binary, shape = binary_alone(e2e["example_job"], repeats)
    n, steps, pulses = shape.n_neurons, shape.n_steps, shape.n_pulses
    fanout = len(default_job(e2e["example_job"]).heights_nA)  # each pulse's neurons
    print("custom kernels against the built-in ...", flush=True)
    kernels = kernel_costs(repeats)
    print("naive loop ...", flush=True)
    naive = naive_loop(max(1, repeats // 3))
    print("reference loop ...", flush=True)
    reference = reference_loop(n, steps, pulses, fanout, repeats, "precise")
    print("dry run of 100k points ...", flush=True)
    grid_neurons = neuron_steps(e2e["example_job"]) // steps
    results = {
        "distinct": f"{n} of the grid's {grid_neurons} neurons, {100 * n / grid_neurons:.0f} %",
        "e2e": e2e,
        "binary": binary["precise"],
        "binary_euler": binary["euler"],
        "binary_neuron_steps": n * steps,
        "shape": f"{n} neurons × {steps} steps, {pulses} pulses",
        "kernels": kernels,
        "naive": naive,
        "reference": reference,
        "dry_run": dry_run(repeats),
    }
    print("the AdEx sweep against its naive loop ...", flush=True)
    models = model_sweep(repeats)
    publish("performance", "make bench", table(results), arguments.update_docs)
    publish("models", "make bench", model_rows(models), arguments.update_docs)


if __name__ == "__main__":
    main()
