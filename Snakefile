# pulsesweep: sweep current pulses injected into tonically firing neurons (LIF or your own).
#
#   snakemake --cores N          (uses profiles/default; see README.md and docs/)
#
# What it writes (config/config.yaml says what is swept):
#
# results/
# ├── build/{shape}/                  the compiled model (cpp_standalone), one per shape
# ├── simulations/
# │   ├── kernel-{k}_height-{h}_width-{w}_seed-{s}.nc
# │   │                               one file per simulation job, sized by memory ("all":
# │   │                               an axis whole, "part2of3": a part of it; see jobs)
# │   └── control_seed-{seed}.nc      a seed's control, when heights are split across jobs
# ├── responses.nc                    responses over (kernel, height, width, seed)
# ├── examples.nc                     example traces: one pulse per kernel
# ├── theory_curves.nc                LIF theory curves of the config (PRC, strength–duration)
# ├── figures/{figure}.{png,svg}      response curves (and the report's figures)
# ├── logs/{rule}/...                 one log per job
# └── benchmarks/{rule}/...           one benchmark table per job


from snakemake.utils import min_version

min_version("8.20")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/theory.smk"
include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        "results/responses.nc",
        figure_files(),
    localrule: True
