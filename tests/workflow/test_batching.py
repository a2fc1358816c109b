"""Jobs sized by memory: every grid point in exactly one job, each job within its budget,
enough jobs for the cores, and a 1,000,000-point grid planned in seconds."""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter

import pytest
import yaml
from conftest import ROOT, snakemake

from pulsesweep.config.resolution import load_config, resolve_config
from pulsesweep.errors import ConfigError
from pulsesweep.jobs import check_memory, simulation_jobs

#: Heights and widths of geometric steps: a 20,000-, a 100,000- and a 1,000,000-point grid.
SCALES = {
    "20k": (20, 20, 10),
    "100k": (50, 40, 10),
    "1M": (50, 40, 100),
}


def scaled(name: str) -> dict:
    heights, widths, seeds = SCALES[name]
    return {
        "simulation": {"duration_s": 10.0, "seeds": list(range(seeds))},
        "sweep": {
            "heights_nA": [0, *(round(0.5 * 1.1**k, 4) for k in range(heights))],
            "widths_ms": [round(0.5 * 1.1**k, 4) for k in range(widths)],
        },
    }


def grid(config: dict) -> Counter:
    """Every pulsed point of the config's grid, and each seed's control, once."""
    sweep, seeds = config["sweep"], config["simulation"]["seeds"]
    heights = [float(h) for h in sweep["heights_nA"] if h != 0]
    pulsed = itertools.product(sweep["kernels"], heights, sweep["widths_ms"], seeds)
    return Counter([*((k, h, float(w), s) for k, h, w, s in pulsed), *((0.0, s) for s in seeds)])


def covered(config: dict) -> Counter:
    """The points the jobs simulate, controls counted once per seed."""
    points: Counter = Counter()
    controls = set()
    for job in simulation_jobs(config).values():
        if not job.is_control:
            product = itertools.product(job.kernels, job.heights_nA, job.widths_ms, job.seeds)
            points.update(product)
        if job.controls or job.is_control:
            controls.update(job.seeds)
    points.update((0.0, seed) for seed in controls)
    return points


@pytest.mark.parametrize("name", ["default", *SCALES])
def test_memory_sized_jobs_cover_the_grid_once_each_within_its_budget(name):
    config = (
        load_config(ROOT / "config" / "config.yaml")
        if name == "default"
        else resolve_config(scaled(name))
    )
    jobs = simulation_jobs(config)
    assert covered(config) == grid(config)  # every point exactly once
    budget, fewest = config["jobs"]["max_memory_mb"], config["jobs"]["min_jobs"]
    assert max(job.memory_mb(config) for job in jobs.values()) <= budget
    points = sum(grid(config).values())
    assert len(jobs) >= min(fewest, points)
    assert len(set(jobs)) == len(jobs)
    sizes = [job.n_points for job in jobs.values()]
    assert max(sizes) <= 2 * min(sizes)  # the parts of a split axis are equal


def test_a_smaller_budget_makes_more_smaller_jobs():
    config = resolve_config(scaled("20k"))
    counts = []
    for budget in (4000, 2000, 1000, 500):
        config["jobs"]["max_memory_mb"] = budget
        jobs = simulation_jobs(config)
        assert max(job.memory_mb(config) for job in jobs.values()) <= budget
        assert covered(config) == grid(config)
        counts.append(len(jobs))
    assert counts == sorted(counts)
    assert counts[-1] > counts[0]


def test_batch_axes_still_choose_the_jobs():
    overrides = scaled("20k") | {"jobs": {"batch_axes": ["height", "seed"]}}
    config = resolve_config(overrides)
    jobs = simulation_jobs(config)
    assert len(jobs) == 5 * 20  # a job per kernel and width
    assert all(len(job.heights_nA) == 20 and len(job.seeds) == 10 for job in jobs.values())


def test_a_million_point_plan_takes_seconds_and_a_few_hundred_jobs():
    started = time.perf_counter()
    config = resolve_config(scaled("1M"))
    jobs = simulation_jobs(config)
    memory = [job.memory_mb(config) for job in jobs.values()]
    assert time.perf_counter() - started < 10
    assert sum(grid(config).values()) >= 1_000_000
    assert len(jobs) <= 600
    assert max(memory) <= config["jobs"]["max_memory_mb"]


def test_a_job_over_snakemakes_memory_names_max_memory_mb():
    config = resolve_config(scaled("20k"))
    jobs = simulation_jobs(config)
    needed = max(job.memory_mb(config) for job in jobs.values())
    budgets = {"that Snakemake may give its jobs (--resources mem_mb)": needed - 1}
    with pytest.raises(ConfigError, match=r"^invalid config: jobs\.max_memory_mb = 2000;"):
        check_memory(config, jobs, budgets)
    check_memory(config, jobs, {"that Snakemake may give its jobs": needed})


def test_a_single_point_over_the_budget_names_the_neurons():
    overrides = scaled("20k") | {"network": {"n_neurons": 20000}}
    overrides["jobs"] = {"max_memory_mb": 500}
    config = resolve_config(overrides)
    jobs = simulation_jobs(config)
    assert all(job.n_points == 1 for job in jobs.values())
    with pytest.raises(ConfigError, match=r"^invalid config: network\.n_neurons = 20000;"):
        check_memory(config, jobs, {})


def test_the_slurm_profile_plans_a_million_points_in_under_a_minute(tmp_path):
    """`snakemake -n --workflow-profile profiles/slurm` on the 1,000,000-point grid: under
    60 s, as at most a few hundred SLURM submissions (simulations go 8 to a group)."""
    path = tmp_path / "million.yaml"
    path.write_text(yaml.safe_dump(scaled("1M")))
    started = time.perf_counter()
    result = snakemake(
        tmp_path,
        "-n",
        "--workflow-profile",
        str(ROOT / "profiles" / "slurm"),
        "--configfile",
        str(path),
        timeout=300,
    )
    seconds = time.perf_counter() - started
    stats = result.stdout.split("Job stats:")[1].split("total")[0]
    counts = {rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)$", stats, re.M)}
    # a group of 8 simulations per submission; every other job on its own, but `all`
    submissions = -(-counts["simulate"] // 8) + sum(counts.values()) - counts["simulate"] - 1
    assert counts["simulate"] >= 100
    assert seconds < 60, seconds
    assert submissions <= 300, stats
