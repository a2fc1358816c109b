"""Snakemake adapter: simulate the per-kernel example traces."""

from pulsesweep.logs import log_to_file
from pulsesweep.simulation.examples import examples_to_netcdf

with log_to_file(snakemake.log[0]):
    examples_to_netcdf(snakemake.config, snakemake.output[0])
