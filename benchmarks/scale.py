"""pulsesweep at scale: `make bench-scale` (or python benchmarks/scale.py).

Measures, on this machine (each run takes many minutes):

1. **long runs**: 60 s of 1,000 neurons with a pulse every 50 ms (1,200 pulses, every
   neuron's pulses summed on it), the alpha and the inverse-time kernel, height 5 nA and
   the unpulsed control: each job's wall time, its binary's time and the peak memory of
   the job's process tree (sampled every 5 ms; a forked copy counts only the pages it
   holds alone), against the job's memory estimate;
2. **a 20,000- and a 100,000-point sweep** (5 kernels x 20 heights x 20 widths x 10
   seeds, and 5 x 50 x 40 x 10; 100 neurons, 10 s each; jobs sized by memory, the
   default) with ``snakemake --cores 2`` end to end: wall time, the pipeline's
   neuron-steps per second against its binaries' alone, every rule's span and peak
   memory (Snakemake's benchmark ``max_rss``), and the results' size (the 20,000-point
   sweep three times: the run with the median overheads, and all three's);
3. **reading one train** from a simulation file of over 100 MB, in a fresh process, as
   a notebook would (``--only reading`` measures this alone, in about two minutes).

It prints a table and, with --update-docs, writes it into docs/scale.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from docs_page import publish
from measure import binary_seconds, row, snakemake, timed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "helpers"))  # the peak memory the tests also measure
from process_memory import peak_tree_memory  # noqa: E402

BIN = Path(sys.executable).parent
LONG_RUN = {
    "network": {"n_neurons": 1000},
    "simulation": {"duration_s": 60.0, "seeds": [0]},
    "pulses": {"interval_ms": 50.0},
    "sweep": {"kernels": ["alpha", "inverse_time"], "heights_nA": [0, 5], "widths_ms": [2.0]},
}


def _sweep(heights: int, widths: int) -> dict:
    """``heights`` pulsed heights and ``widths`` widths in geometric steps, 10 seeds."""
    return {
        "simulation": {"duration_s": 10.0, "seeds": list(range(10))},
        "sweep": {
            "heights_nA": [0, *(round(0.5 * 1.1**k, 4) for k in range(heights))],
            "widths_ms": [round(0.5 * 1.1**k, 4) for k in range(widths)],
        },
    }


#: The sweeps measured end to end, by their number of pulsed points, and how many times
#: each runs (the median run is reported; the 100,000-point sweep takes 10 minutes).
SWEEPS = {20_000: _sweep(20, 20), 100_000: _sweep(50, 40)}
REPEATS = {20_000: 3, 100_000: 1}


def long_runs() -> list[dict]:
    """Each job of :data:`LONG_RUN`: wall, binary seconds, peak and estimated memory."""
    from pulsesweep.config.resolution import resolve_config
    from pulsesweep.jobs import simulation_jobs

    config = resolve_config(LONG_RUN)
    results = []
    with tempfile.TemporaryDirectory(prefix="pulsesweep-long-") as scratch:
        config_file = Path(scratch) / "long.yaml"
        config_file.write_text(yaml.safe_dump(LONG_RUN))
        environment = {**os.environ, "PULSESWEEP_BUILD_CACHE": f"{scratch}/cache"}
        for name, job in simulation_jobs(config).items():
            selection = job.selection()
            command = [str(BIN / "pulsesweep"), "simulate", "--config", str(config_file)]
            command += ["--kernel", *selection["kernels"], "--controls"]
            command += ["--output", f"{scratch}/{name}.nc"]
            subprocess.run(command, env=environment, check=True, capture_output=True)  # build
            measured = peak_tree_memory(command, environment)
            results.append(
                {
                    "job": name,
                    "neuron_steps": job.neuron_steps(config),
                    "pulses": job.model_shape(config).n_pulses,
                    "wall": measured.wall,
                    "binary": binary_seconds(measured.stderr),
                    "peak_mb": measured.peak_mb,
                    "estimate_mb": job.memory_mb(config),
                }
            )
    return results


def every_neuron_cost() -> dict:
    """One width of a job of the 20,000-point sweep, its binary alone with copies (each
    distinct neuron once, as the workflow runs it) and simulating every neuron: the work
    copies save (the whole job would need 8 GB simulating every neuron)."""
    from pulsesweep.config.resolution import resolve_config
    from pulsesweep.jobs import simulation_jobs

    config = resolve_config(SWEEPS[20_000])
    name, job = next(iter(simulation_jobs(config).items()))
    selection = job.selection() | {"widths_ms": job.selection()["widths_ms"][:1]}
    seconds = {}
    with tempfile.TemporaryDirectory(prefix="pulsesweep-every-") as scratch:
        config_file = Path(scratch) / "scale.yaml"
        config_file.write_text(yaml.safe_dump(SWEEPS[20_000]))
        environment = {**os.environ, "PULSESWEEP_BUILD_CACHE": f"{scratch}/cache"}
        command = [str(BIN / "pulsesweep"), "simulate", "--config", str(config_file)]
        command += ["--kernel", *selection["kernels"], "--width-ms"]
        command += [*map(str, selection["widths_ms"]), "--output", f"{scratch}/job.nc"]
        command += ["--controls"] if selection["controls"] else []
        for label, extra in (("copies", []), ("every neuron", ["--every-neuron"])):
            run = [*command, *extra]
            subprocess.run(run, env=environment, check=True, capture_output=True)  # builds
            stderr = subprocess.run(run, env=environment, check=True, capture_output=True).stderr
            seconds[label] = binary_seconds(stderr.decode())
    return {"job": name, **seconds}


#: Reads one neuron's train from a file (argv[1]) after the imports: how long the import
#: took, each of 50 reads of random (point, neuron) trains, and whether each read equals
#: that train in the whole file read at once.
_READ_TRAINS = """
import json, sys, time
started = time.perf_counter()
import numpy as np
from pulsesweep import read_spike_trains
imported = time.perf_counter() - started
import netCDF4
with netCDF4.Dataset(sys.argv[1]) as dataset:
    shape = dataset["train"].shape
rng = np.random.default_rng(0)
chosen = [(int(rng.integers(shape[0])), int(rng.integers(shape[1]))) for _ in range(50)]
seconds, trains = [], []
for point, neuron in chosen:
    started = time.perf_counter()
    trains.append(read_spike_trains(sys.argv[1], point, neuron))
    seconds.append(time.perf_counter() - started)
every = read_spike_trains(sys.argv[1])
same = all(np.array_equal(train, every.values[p, n]) for (p, n), train in zip(chosen, trains))
print(json.dumps({"import": imported, "seconds": seconds, "same": same, "shape": shape}))
"""


def read_one_train() -> dict:
    """A file of three seeds of a job of the 20,000-point sweep (6,003 points, over 100
    MB), and one neuron's train read from it, 50 times, in a fresh process."""
    import json

    with tempfile.TemporaryDirectory(prefix="pulsesweep-read-") as scratch:
        config_file, path = Path(scratch) / "scale.yaml", Path(scratch) / "three_seeds.nc"
        config_file.write_text(yaml.safe_dump(SWEEPS[20_000]))
        environment = {**os.environ, "PULSESWEEP_BUILD_CACHE": f"{scratch}/cache"}
        command = [str(BIN / "pulsesweep"), "simulate", "--config", str(config_file)]
        command += ["--seed", "0", "1", "2", "--controls", "--output", str(path)]
        subprocess.run(command, env=environment, check=True, capture_output=True)
        read = [sys.executable, "-c", _READ_TRAINS, str(path)]
        measured = json.loads(subprocess.run(read, check=True, capture_output=True).stdout)
        measured["size_mb"] = path.stat().st_size / 1e6
    if not measured["same"]:
        raise AssertionError("a train read alone differs from the same train read with all")
    return measured


def _reading_table(reading: dict) -> str:
    seconds = sorted(reading["seconds"])
    points, neurons = reading["shape"]
    return "\n".join(
        [
            "| measure | value | notes |",
            "|---|---|---|",
            row(
                "one neuron's train from a file, `read_spike_trains(path, point, neuron)`",
                f"**{1e3 * statistics.median(seconds):.1f} ms** median",
                f"{len(seconds)} random trains of a {reading['size_mb']:.0f} MB file "
                f"({points:,} points × {neurons} neurons); slowest "
                f"{1e3 * seconds[-1]:.1f} ms; each equal to the train read with all; "
                f"after importing pulsesweep ({reading['import']:.1f} s, once)",
            ),
        ]
    )


def _benchmark_rows(results: Path) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for table in (results / "benchmarks").rglob("*.tsv"):
        rule = table.parent.name if table.parent.name != "benchmarks" else table.stem
        with table.open() as handle:
            record = next(csv.DictReader(handle, delimiter="\t"))
        record["end"] = table.stat().st_mtime
        record["job"] = table.stem
        rows.setdefault(rule, []).append(record)
    return rows


def scale_sweep(overrides: dict) -> dict:
    """A sweep end to end, and what its jobs' benchmark files say."""
    from pulsesweep.config.resolution import resolve_config
    from pulsesweep.jobs import simulation_jobs

    config = resolve_config(overrides)
    jobs = simulation_jobs(config)
    pulsed = sum(job.n_points - job.controls * len(job.seeds) for job in jobs.values())
    with tempfile.TemporaryDirectory(prefix="pulsesweep-scale-") as scratch:
        config_file = Path(scratch) / "scale.yaml"
        config_file.write_text(yaml.safe_dump(overrides))
        command = snakemake(Path(scratch), "--cores", "2", "--configfile", str(config_file))
        wall, _ = timed(command)
        results = Path(scratch) / "results"
        rows = _benchmark_rows(results)
        binary = 0.0
        for name in jobs:
            log = (results / "logs" / "simulate" / f"{name}.log").read_text()
            binary += binary_seconds(log)
        size = sum(path.stat().st_size for path in results.rglob("*.nc"))
    start = min(float(r["end"]) - float(r["s"]) for rule in rows.values() for r in rule)
    return {
        "wall": wall,
        "pulsed_points": pulsed,
        "jobs": len(jobs),
        "neuron_steps": sum(job.neuron_steps(config) for job in jobs.values()),
        "binary_seconds": binary,
        "size_gb": size / 1e9,
        "rules": {
            rule: {
                "span": (
                    min(float(r["end"]) - float(r["s"]) for r in group) - start,
                    max(float(r["end"]) for r in group) - start,
                ),
                "seconds": statistics.median(float(r["s"]) for r in group),
                "peak_mb": max(float(r["max_rss"]) for r in group),
                "count": len(group),
            }
            for rule, group in rows.items()
        },
    }


#: What each sweep must reach: results size (GB).
_RESULTS_TARGET_GB = {20_000: 2, 100_000: 10}


def _overheads(scale: dict) -> float:
    """The share of a sweep's time not spent in its binaries (on 2 cores)."""
    return 1 - (scale["binary_seconds"] / 2) / scale["wall"]


def median_sweep(overrides: dict, repeats: int) -> dict:
    """The run of ``repeats`` whose overheads are the median, with every run's overheads
    (``"overheads"``): one run varies by a few points on a shared machine."""
    runs = sorted((scale_sweep(overrides) for _ in range(repeats)), key=_overheads)
    return runs[len(runs) // 2] | {"overheads": [_overheads(run) for run in runs]}


def _sweep_rows(scale: dict) -> list[str]:
    """A sweep's rows: wall time, overheads against its binaries, every rule's peak."""
    pipeline = scale["neuron_steps"] / scale["wall"]
    binaries = scale["neuron_steps"] / (scale["binary_seconds"] / 2)
    points = scale["pulsed_points"]
    runs = scale["overheads"]
    spread = (
        f" (the median of {len(runs)} runs: {', '.join(f'{100 * r:.0f} %' for r in runs)})"
        if len(runs) > 1
        else ""
    )
    return [
        row(
            f"{points:,}-point sweep end to end, `snakemake --cores 2`",
            f"{scale['wall']:.0f} s",
            f"{scale['jobs']} simulate jobs, {scale['neuron_steps']:.2g} neuron-steps; "
            f"the binaries {scale['binary_seconds']:.0f} s of CPU",
        ),
        row(
            f"{points:,} points: results",
            f"{scale['size_gb']:.2f} GB",
            f"target ≤ {_RESULTS_TARGET_GB[points]} GB",
        ),
        row(
            f"**{points:,} points: pipeline / binaries alone** (neuron-steps/s, 2 cores)",
            f"**{pipeline / binaries:.2f}**",
            f"{pipeline:.3g} against {binaries:.3g}: overheads "
            f"{100 * (1 - pipeline / binaries):.0f} %{spread}; target ≤ 25 %",
        ),
        *(
            row(
                f"{points:,} points: rule `{rule}`",
                f"{info['peak_mb']:.0f} MB peak",
                f"{info['count']} job(s), median {info['seconds']:.1f} s, "
                f"{info['span'][0]:.0f}–{info['span'][1]:.0f} s into the run; target ≤ 2 GB",
            )
            for rule, info in sorted(scale["rules"].items(), key=lambda item: item[1]["span"][0])
        ),
    ]


def table(long: list[dict], scales: list[dict], every: dict) -> str:
    rows = ["| measure | value | notes |", "|---|---|---|"]
    for job in long:
        rows.append(
            row(
                f"long run, job `{job['job']}`",
                f"{job['peak_mb']:.0f} MB peak",
                f"{job['neuron_steps']:.2g} neuron-steps, {job['pulses']} pulses; "
                f"{job['wall']:.1f} s, of which the binary {job['binary']:.1f} s; "
                f"estimate {job['estimate_mb']} MB; target ≤ 2 GB",
            )
        )
    for scale in scales:
        rows += _sweep_rows(scale)
    saving = every["every neuron"] / every["copies"]
    rows.append(
        row(
            "**each distinct neuron once, against every neuron**",
            f"**{saving:.1f}×** less work",
            f"one width of job `{every['job']}`: its binary took {every['copies']:.1f} s "
            f"simulating each distinct neuron once, {every['every neuron']:.1f} s "
            f"simulating every neuron, alone on the machine",
        )
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="write the table into docs/scale.md",
    )
    parser.add_argument("--skip-sweep", action="store_true", help="the long runs only")
    parser.add_argument(
        "--only", choices=["reading"], help="reading: one train from a 100 MB file, alone"
    )
    arguments = parser.parse_args()
    print("one train from a file of over 100 MB ...", flush=True)
    reading = _reading_table(read_one_train())
    publish("reading", "make bench-scale", reading, arguments.update_docs)
    if arguments.only == "reading":
        return
    print("long runs ...", flush=True)
    long = long_runs()
    print(long, flush=True)
    if arguments.skip_sweep:
        print("\n".join(f"{job}" for job in long))
        return
    scales = []
    for points, overrides in SWEEPS.items():
        print(f"{points:,}-point sweep (many minutes on 2 cores) ...", flush=True)
        scales.append(median_sweep(overrides, REPEATS[points]))
        print(_sweep_rows(scales[-1]), flush=True)
    print("one job with and without copies ...", flush=True)
    every = every_neuron_cost()
    print(every, flush=True)
    publish("scale", "make bench-scale", table(long, scales, every), arguments.update_docs)


if __name__ == "__main__":
    main()
