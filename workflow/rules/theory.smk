# LIF theory: the curves the figures draw beside the measurement. They depend on the
# config alone, so they are computed while the sweep is built and simulated.


rule theory_curves:
    output:
        "results/theory_curves.nc",
    log:
        "results/logs/theory_curves.log",
    benchmark:
        "results/benchmarks/theory_curves.tsv"
    priority: 2  # beside the build and the simulations, not after them (where the figures wait)
    localrule: True
    conda:
        "../../envs/pulsesweep.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,  # measured peak: 200 MB
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        config=step_parameters("theory_curves"),
    script:
        "../../scripts/theory_curves.py"
