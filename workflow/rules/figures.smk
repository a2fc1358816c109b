# Figures: one rule per figure, each with its caption in workflow/report/. Local rules
# on clusters: each takes seconds.

for _figure in FIGURE_NAMES:

    rule:
        name:
            f"plot_{_figure}"
        input:
            "results/examples.nc" if _figure == "example_traces" else "results/responses.nc",
        output:
            report(
                f"results/figures/{_figure}.png",
                caption=f"../report/{_figure}.rst",
                category="Response curves",
            ),
            [f"results/figures/{_figure}.{ext}" for ext in FIGURE_FORMATS if ext != "png"],
        log:
            f"results/logs/plot/{_figure}.log",
        benchmark:
            f"results/benchmarks/plot/{_figure}.tsv"
        localrule: True
        conda:
            "../../envs/pulsesweep.yaml"
        threads: 1
        resources:
            mem_mb=lambda wildcards, attempt: 1000 * attempt,  # measured peak: 225 MB
            runtime=lambda wildcards, attempt: 10 * attempt,
        params:
            figure=_figure,
            config=figure_parameters(_figure),
        script:
            "../../scripts/plot.py"
