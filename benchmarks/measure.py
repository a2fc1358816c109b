"""What the benchmarks share: the project's paths, timing a command, the workflow run by
Snakemake, one point of the naive loop, one sweep end to end and when its stages ran, a
table row, and the default sweep's jobs."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NAIVE_SAMPLE = [("exponential", 10.0, 5.0), ("inverse_time", 10.0, 5.0), ("exponential", 2.0, 1.0)]


#: What a simulation job logs of its compiled binary's run: the seconds it took.
BINARY_SECONDS = re.compile(r"steps in ([0-9.]+) s \(cpp_standalone")


def binary_seconds(log: str) -> float:
    """The seconds of the compiled binary's run that a job's ``log`` reports."""
    return float(BINARY_SECONDS.search(log)[1])


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


def naive_point(kernel: str, height: float, width: float, script: str = "naive_point.py") -> float:
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
                record = next(csv.DictReader(handle, delimiter="\t"))
            memory[rule] = max(memory.get(rule, 0.0), float(record["max_rss"]))
            # A job's benchmark file is written as it ends: its mtime is the job's end.
            end = table.stat().st_mtime
            first, last = timeline.get(rule, (end, end))
            timeline[rule] = (min(first, end - float(record["s"])), max(last, end))
            if rule == "simulate":
                jobs[table.stem] = float(record["s"])
                log = results / "logs" / "simulate" / f"{table.stem}.log"
                shares.append(binary_seconds(log.read_text()) / float(record["s"]))
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


def critical_path(e2e: dict) -> str:
    """When each stage ran in the median run (of ``run.end_to_end`` or
    ``model_sweep.model_sweep``): the build, then the simulations, then the aggregation, then the
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


def row(what: str, value: str, note: str = "") -> str:
    return f"| {what} | {value} | {note} |"


def default_job(job_name: str):
    """A job of the default sweep, by name."""
    from pulsesweep.config.resolution import load_config
    from pulsesweep.jobs import simulation_jobs

    return simulation_jobs(load_config(ROOT / "config" / "config.yaml"))[job_name]


def neuron_steps(job_name: str) -> int:
    from pulsesweep.config.resolution import load_config

    return default_job(job_name).neuron_steps(load_config(ROOT / "config" / "config.yaml"))
