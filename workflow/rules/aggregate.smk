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
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,  # measured peak: 310 MB
        runtime=lambda wildcards, attempt: 30 * attempt,
    params:
        config=step_parameters("aggregate"),
    script:
        "../../scripts/aggregate.py"
