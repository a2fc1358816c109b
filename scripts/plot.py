"""Snakemake adapter: draw one figure in every configured format."""

from pathlib import Path

from pulsesweep.figures import write_figures
from pulsesweep.logs import log_to_file

with log_to_file(snakemake.log[0]):
    stem = Path(snakemake.output[0]).with_suffix("")
    write_figures(snakemake.config, snakemake.input[0], snakemake.params.figure, stem)
