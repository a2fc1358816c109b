"""Snakemake adapter: simulate one job's grid points into one netCDF file."""

from pulsesweep.logs import log_to_file
from pulsesweep.simulation.job import simulate_to_netcdf

with log_to_file(snakemake.log[0]):
    simulate_to_netcdf(
        snakemake.config,
        snakemake.output[0],
        **snakemake.params.selection,
        build=snakemake.input.get("build") or None,
    )
