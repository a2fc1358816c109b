"""Snakemake adapter: compile the cpp_standalone model for one shape."""

from pulsesweep.logs import log_to_file
from pulsesweep.simulation.builds import build_simulator
from pulsesweep.simulation.shapes import ModelShape

with log_to_file(snakemake.log[0]):
    build_simulator(ModelShape(**snakemake.params.shape), snakemake.output[0], snakemake.threads)
