"""SLURM overhead and the effect of batching: `make bench-cluster` (needs root).

Starts the single-node SLURM of tests/helpers/slurm_cluster.py and measures, through
profiles/slurm:

1. the overhead of one SLURM job: config/test.yaml run one job at a time through SLURM
   (`--jobs 1`) and locally (`--cores 1`); the difference in wall time divided by the
   number of SLURM jobs;
2. the default sweep in a few batching variants, at most two SLURM jobs at once (this
   machine's two cores, as a local `--cores 2` run): sbatch submissions, SLURM jobs
   and wall time, beside the local run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "helpers"))

from slurm_cluster import slurm_cluster, unavailable  # noqa: E402

FAST_POLLING = [
    "--slurm-init-seconds-before-status-checks",
    "1",
    "--seconds-between-status-checks",
    "1",
]
VARIANTS = {
    "one SLURM job per Snakemake job": [],
    # --cores bounds a group's CPUs: its jobs run side by side on one node's 2 cores
    "simulations grouped 5 per SLURM job": [
        "--groups",
        "simulate=sims",
        "--cores",
        "2",
        "--group-components",
        "sims=5",
    ],
    "simulations grouped 8 per SLURM job": [
        "--groups",
        "simulate=sims",
        "--cores",
        "2",
        "--group-components",
        "sims=8",
    ],
}


def slurm_jobs(env: dict[str, str]) -> set[str]:
    """The ids of every job SLURM still remembers (MinJobAge)."""
    lines = subprocess.run(
        ["squeue", "--states=all", "-h", "-o", "%i"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(lines.split())


def run(env: dict[str, str], config: Path, extra: list[str], slurm: bool = True) -> dict:
    """Wall time of one run from an empty directory, and the SLURM jobs it made."""
    before = slurm_jobs(env)
    profile = (
        ["--workflow-profile", str(ROOT / "profiles" / "slurm"), *FAST_POLLING] if slurm else []
    )
    with tempfile.TemporaryDirectory(prefix="pulsesweep-slurm-") as scratch:
        started = time.perf_counter()
        subprocess.run(
            [
                str(Path(sys.executable).parent / "snakemake"),
                "--snakefile",
                str(ROOT / "Snakefile"),
                "--directory",
                scratch,
                *profile,
                "--configfile",
                str(config),
                *extra,
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        wall = time.perf_counter() - started
    jobs = slurm_jobs(env) - before
    return {
        "wall": wall,
        "jobs": len(jobs),
        "submissions": len({job.split("_")[0] for job in jobs}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs of the tiny sweep")
    parser.add_argument(
        "--variants",
        nargs="+",
        type=int,
        default=list(range(len(VARIANTS))),
        help="which batching variants to run (0-based; default: all)",
    )
    parser.add_argument("--no-tiny", action="store_true", help="skip the per-job overhead")
    arguments = parser.parse_args()
    reason = unavailable()
    if reason:
        sys.exit(f"cannot start SLURM here: {reason}")
    with slurm_cluster(Path(tempfile.mkdtemp(prefix="pulsesweep-slurm-"))) as env:
        if not arguments.no_tiny:
            overhead(env, arguments.repeats)
        default = ROOT / "config" / "config.yaml"
        print("| batching | sbatch submissions | SLURM jobs | wall time |\n|---|---|---|---|")
        print(
            f"| local run, `--cores 2` | 0 | 0 | "
            f"{run(env, default, ['--cores', '2'], slurm=False)['wall']:.0f} s |"
        )
        for number, (name, extra) in enumerate(VARIANTS.items()):
            if number in arguments.variants:
                result = run(env, default, ["--jobs", "2", *extra])
                print(
                    f"| {name} | {result['submissions']} | {result['jobs']} | "
                    f"{result['wall']:.0f} s |",
                    flush=True,
                )


def overhead(env: dict[str, str], repeats: int) -> None:
    """Print the SLURM overhead per job, from the tiny sweep run one job at a time."""
    tiny = ROOT / "config" / "test.yaml"
    local = statistics.median(
        run(env, tiny, ["--cores", "1"], slurm=False)["wall"] for _ in range(repeats)
    )
    remote = [run(env, tiny, ["--jobs", "1"]) for _ in range(repeats)]
    per_job = (statistics.median(r["wall"] for r in remote) - local) / remote[0]["jobs"]
    print(
        f"config/test.yaml one job at a time: local {local:.1f} s, SLURM "
        f"{statistics.median(r['wall'] for r in remote):.1f} s over {remote[0]['jobs']} "
        f"SLURM jobs: {per_job:.1f} s of overhead per job\n",
        flush=True,
    )


if __name__ == "__main__":
    main()
