# Simulation: one Brian2 network per job, one netCDF file per job. With the
# cpp_standalone target the model is compiled once per shape and every job of that
# shape runs the same binary.


rule build_simulator:
    output:
        directory("results/build/{shape}"),
    log:
        "results/logs/build_simulator/{shape}.log",
    benchmark:
        "results/benchmarks/build_simulator/{shape}.tsv"
    priority: 3  # first: every simulation waits for it
    conda:
        "../../envs/pulsesweep.yaml"
    # make -j{threads}: the compiler's files side by side. One on 2 cores, where the theory
    # curves and the example traces, which need no build, take the other core.
    threads: min(2, max(1, (workflow.cores or 2) // 2))
    resources:
        mem_mb=lambda wildcards, attempt: 1500 * attempt,  # compiler peak: 1.1 GB
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        shape=shape_of,
    script:
        "../../scripts/build_simulator.py"


rule simulate:
    input:
        build=job_build,
    output:
        "results/simulations/{job}.nc",
    log:
        "results/logs/simulate/{job}.log",
    benchmark:
        "results/benchmarks/simulate/{job}.tsv"
    priority: 1  # after the example traces, which then run beside the simulations
    conda:
        "../../envs/pulsesweep.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb,
        runtime=job_runtime_min,
    params:
        job=job_parameters,
        selection=job_selection,
    script:
        "../../scripts/simulate.py"


rule simulate_examples:
    output:
        "results/examples.nc",
    log:
        "results/logs/simulate_examples.log",
    benchmark:
        "results/benchmarks/simulate_examples.tsv"
    priority: 2  # beside the simulations, not after them (where the figures wait)
    localrule: True
    conda:
        "../../envs/pulsesweep.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,  # measured peak: 220 MB
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        config=step_parameters("examples"),
    script:
        "../../scripts/simulate_examples.py"
