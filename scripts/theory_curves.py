"""Snakemake adapter: compute the config's LIF theory curves into theory_curves.nc."""

from pulsesweep.analysis.theory_curves import theory_curves_to_netcdf
from pulsesweep.logs import log_to_file

with log_to_file(snakemake.log[0]):
    theory_curves_to_netcdf(snakemake.config, snakemake.output[0])
