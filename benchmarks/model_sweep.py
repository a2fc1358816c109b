"""The model sweep of `make bench` (7., or ``--only models``): the AdEx of
config/examples/adex.yaml on the default sweep's grid against its naive loop, and its
table in docs/performance.md."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import yaml
from measure import NAIVE_SAMPLE, ROOT, critical_path, naive_point, row, sweep_once

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
            naive_point(kernel, *NAIVE_SAMPLE[0][1:], script=NAIVE_MODEL)  # warm-up
        for _ in range(repeats):
            naive.append([naive_point(*point, script=NAIVE_MODEL) for point in NAIVE_SAMPLE])
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
        row(
            f"`{model}` model, default-size sweep end to end, `snakemake --cores 2`",
            f"{statistics.median(walls):.1f} s",
            f"{len(walls)} runs: {', '.join(f'{w:.1f}' for w in walls)} s; {points} points "
            f"({sweep['grid']}) of {sweep['n_neurons']} neurons × {sweep['duration_s']:g} s, "
            f"{sweep['schedule']} pulses, in {sweep['jobs']:.0f} simulate jobs",
        ),
        row(
            "stages of the median run (start–end, s from the first job's start)",
            "",
            critical_path(sweep),
        ),
        row(
            f"naive `{model}` loop (one process per point)",
            f"{naive:.2f} s per point",
            f"{naive_rate:.3g} neuron-steps/s; {len(NAIVE_SAMPLE)} points ({sample}) before "
            f"each run, warm cache: "
            + "; ".join(", ".join(f"{t:.2f}" for t in times) for times in sweep["naive"])
            + " s",
        ),
        row(
            f"`{model}` sweep in naive points",
            f"{statistics.median(in_naive):.1f}",
            "each run over its naive points' median: "
            + ", ".join(f"{w:.1f} s / {t:.2f} s" for w, t in zip(walls, per_run, strict=True)),
        ),
        row(
            f"**`{model}` sweep / naive loop**",
            f"**{statistics.median(ratios):.0f}×**",
            f"the naive loop's time for all {points} points over the sweep's, run by run "
            + ", ".join(f"{r:.0f}" for r in ratios)
            + "×; target ≥ 25×",
        ),
        row(
            "share of a simulate job spent in its binary",
            f"{100 * statistics.median(sweep['binary_share']):.0f} %",
            f"median over {len(sweep['binary_share'])} jobs",
        ),
        row(
            "peak memory per job",
            f"{max(memory.values()):.0f} MB",
            ", ".join(f"{k} {v:.0f}" for k, v in sorted(memory.items())) + " MB",
        ),
    ]
    return "\n".join(rows)
