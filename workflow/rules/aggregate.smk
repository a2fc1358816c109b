# Aggregation: every pulse measured against its seed's control, into one dataset.


rule aggregate:
    input:
        controls=job_files(config, control=True),
        simulations=job_files(config, control=False),
    output:
        "results/responses.nc",
    params:
        analysis=analysis_parameters(),
    log:
        "results/logs/aggregate.log",
    benchmark:
        "results/benchmarks/aggregate.tsv"
    conda:
        "../../envs/pulsesweep.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../../scripts/aggregate.py"
