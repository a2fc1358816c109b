"""Snakemake adapter: draw a rule's figures, from one input, in every configured format."""

from pathlib import Path

from pulsesweep.figures.drawing import write_figures
from pulsesweep.logs import log_to_file

with log_to_file(snakemake.log[0]):
    directory = Path(snakemake.output[0]).parent
    write_figures(
        snakemake.config,
        snakemake.input[0],
        snakemake.params.names,
        directory,
        processes=snakemake.threads,
        theory=snakemake.input.get("theory"),
    )
