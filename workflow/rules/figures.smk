# Figures: one job draws every response figure (one Python start-up, forked workers,
# one per thread, each figure reading what it draws of responses.nc), another the
# example traces, which need only the examples and so draw while the sweep still runs. Each figure
# keeps its own caption in workflow/report/. Local rules on clusters: seconds each.


rule plot_responses:
    input:
        responses="results/responses.nc",
        theory="results/theory_curves.nc",
    output:
        [
            report(
                f"results/figures/{figure}.png",
                caption=f"../report/{figure}.rst",
                category="Response curves",
            )
            for figure in RESPONSE_FIGURES
        ],
        figure_files(RESPONSE_FIGURES, png=False),
    log:
        "results/logs/plot_responses.log",
    benchmark:
        "results/benchmarks/plot_responses.tsv"
    localrule: True
    conda:
        "../../envs/pulsesweep.yaml"
    threads: 4  # figures drawn side by side by forked workers; Snakemake caps it at --cores
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,  # measured peak: 300 MB a worker
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        names=list(RESPONSE_FIGURES),
        config=step_parameters("figures"),
    script:
        "../../scripts/plot.py"


rule plot_examples:
    input:
        "results/examples.nc",
    output:
        report(
            "results/figures/example_traces.png",
            caption="../report/example_traces.rst",
            category="Response curves",
        ),
        figure_files(["example_traces"], png=False),
    log:
        "results/logs/plot_examples.log",
    benchmark:
        "results/benchmarks/plot_examples.tsv"
    priority: 2  # beside the simulations, not after them (where the figures wait)
    localrule: True
    conda:
        "../../envs/pulsesweep.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,  # measured peak: 225 MB
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        names=["example_traces"],
        config=step_parameters("example_figure"),
    script:
        "../../scripts/plot.py"
