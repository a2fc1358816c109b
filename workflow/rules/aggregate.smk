# Aggregation: every pulse measured against its seed's control, into one dataset.


rule aggregate:
    input:
        controls=job_files(config, control=True),
        simulations=job_files(config, control=False),
    output:
        "results/responses.nc",
    log:
        "results/logs/aggregate.log",
    benchmark:
        "results/benchmarks/aggregate.tsv"
    localrule: True
    conda:
        "../../envs/pulsesweep.yaml"
    threads: 4  # files measured side by side by forked workers; capped at --cores
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,  # measured peak: 1.0 GB at 100,000 points, 2 workers
        runtime=lambda wildcards, attempt: 30 * attempt,
    params:
        config=step_parameters("aggregate"),
    script:
        "../../scripts/aggregate.py"
