"""Snakemake adapter: measure every pulse against its control, into responses.nc."""

from pulsesweep.analysis.aggregate import aggregate_to_netcdf
from pulsesweep.logs import log_to_file

with log_to_file(snakemake.log[0]):
    aggregate_to_netcdf(
        snakemake.config,
        list(snakemake.input.controls),
        list(snakemake.input.simulations),
        snakemake.output[0],
        processes=snakemake.threads,
    )
