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
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

import yaml
from docs_page import publish
from kernel_costs import kernel_costs, kernel_rows, publish_kernel_rows
from measure import (
    BIN,
    NAIVE_SAMPLE,
    ROOT,
    binary_seconds,
    critical_path,
    default_job,
    naive_point,
    neuron_steps,
    row,
    snakemake,
    sweep_once,
    timed,
)
from model_sweep import model_rows, model_sweep

BIG_GRID = {
    "simulation": {"seeds": list(range(10))},
    "sweep": {
        "heights_nA": [round(0.5 * k, 1) for k in range(1, 51)],
        "widths_ms": [round(0.5 * k, 1) for k in range(1, 41)],
    },
}


def end_to_end(repeats: int) -> dict:
    """Wall time of the default sweep, and what its jobs' benchmark files say; before
    each run, a naive point as a gauge of the machine's speed at that moment."""
    walls, gauges, memory, jobs, spans, shares = [], [], {}, {}, {}, []
    naive_point(*NAIVE_SAMPLE[0])  # warm-up
    for _ in range(repeats):
        gauges.append(naive_point(*NAIVE_SAMPLE[0]))
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
    return binary_seconds(completed.stderr)


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


def naive_loop(repeats: int) -> list[float]:
    """Seconds per grid point, one process each, after a warm-up that fills the cache."""
    for kernel in {kernel for kernel, _, _ in NAIVE_SAMPLE}:
        naive_point(kernel, *NAIVE_SAMPLE[0][1:])
    return [naive_point(*point) for _ in range(repeats) for point in NAIVE_SAMPLE]


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


def table(results: dict) -> str:
    """docs/performance.md's table: the default sweep, one job's binary, the kernel
    comparison, the whole job against the loops, the memory and sizes, the dry run."""
    e2e, naive = results["e2e"], results["naive"]
    job_seconds = [statistics.median(v) for v in e2e["job_seconds"].values()]
    rates = {
        "binary": results["binary_neuron_steps"] / statistics.median(results["binary"]),
        "euler": results["binary_neuron_steps"] / statistics.median(results["binary_euler"]),
        "job": neuron_steps(e2e["example_job"]) / statistics.median(job_seconds),
        "naive": 100 * 100_000 / statistics.median(naive),
        "reference": statistics.median(results["reference"]),
    }
    rows = [
        "| measure | median | notes |",
        "|---|---|---|",
        *_sweep_rows(e2e),
        *_binary_rows(results, rates),
        *kernel_rows(results["kernels"]),
        *_loop_rows(e2e, naive, rates),
        *_size_rows(e2e, results["dry_run"]),
    ]
    return "\n".join(rows)


def _sweep_rows(e2e: dict) -> list[str]:
    """The default sweep end to end, in seconds and in naive points, and its stages."""
    paired = [wall / gauge for wall, gauge in zip(e2e["wall"], e2e["gauge"], strict=True)]
    return [
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
    ]


def _binary_rows(results: dict, rates: dict[str, float]) -> list[str]:
    """One job's binary with ``precise`` and with ``euler``, and their ratio."""
    return [
        row(
            "simulation: one job's compiled binary, `precise`",
            f"{rates['binary']:.3g} neuron-steps/s",
            f"{results['shape']} alone on the machine: the job's distinct neurons, padded "
            f"to the build ({results['distinct']})",
        ),
        row(
            "the same job's binary, `euler`",
            f"{rates['euler']:.3g} neuron-steps/s",
            "grid spike times; the forum thread's method",
        ),
        row(
            "**`precise` cost / `euler` cost**",
            f"**{rates['euler'] / rates['binary']:.2f}×**",
            "target ≤ 1.25×",
        ),
    ]


def _loop_rows(e2e: dict, naive: list[float], rates: dict[str, float]) -> list[str]:
    """The whole simulate job, its binary's share, and the naive and reference loops."""
    return [
        row(
            "simulation: one whole simulate job",
            f"{rates['job']:.3g} neuron-steps/s",
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
            f"{rates['naive']:.3g} neuron-steps/s",
            f"{statistics.median(naive):.2f} s per point, {len(naive)} points, warm cache",
        ),
        row(
            "reference loop (plain C, same `precise` arithmetic)",
            f"{rates['reference']:.3g} neuron-steps/s",
            "same flags as the simulation (-O3, no -march=native, no fast-math)",
        ),
        row(
            "**simulation / naive**",
            f"**{rates['binary'] / rates['naive']:.0f}×**",
            f"whole job: {rates['job'] / rates['naive']:.0f}×; target ≥ 25×",
        ),
        row(
            "**reference / simulation**",
            f"**{rates['reference'] / rates['binary']:.2f}×**",
            "target ≤ 1.6×",
        ),
    ]


def _size_rows(e2e: dict, dry_run: tuple[list[float], int]) -> list[str]:
    """Peak memory per job, the results' size and the dry run of 100,000 points."""
    memory, (dry, jobs) = e2e["memory_mb"], dry_run
    return [
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
