"""Command line: ``pulsesweep simulate``, ``pulsesweep config``, ``pulsesweep kernels``.

A thin layer over the package: each subcommand parses its arguments and calls one
library function, the same one the Snakemake rules call.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pulsesweep import __version__
from pulsesweep.config import config_text, load_config
from pulsesweep.errors import ConfigError, SimulationFileError
from pulsesweep.kernels import KERNELS

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pulsesweep",
        description="Sweep current pulses injected into tonically firing LIF neurons.",
    )
    parser.add_argument("--version", action="version", version=f"pulsesweep {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    commands = parser.add_subparsers(dest="command", required=True)

    simulate = commands.add_parser(
        "simulate",
        help="simulate grid points of a config into one netCDF file",
        description="Simulate the Cartesian product of the selected kernels, heights, widths "
        "and seeds (each defaulting to the config's whole axis) in one network, and write "
        "one netCDF file atomically.",
    )
    simulate.add_argument("--config", required=True, help="YAML config file")
    simulate.add_argument("--output", required=True, help="netCDF file to write")
    simulate.add_argument("--kernel", nargs="+", dest="kernels", help="kernel name(s)")
    simulate.add_argument("--height-nA", nargs="+", type=float, dest="heights_nA",
                          help="pulse height(s) in nA")
    simulate.add_argument("--width-ms", nargs="+", type=float, dest="widths_ms",
                          help="pulse width(s) in ms")
    simulate.add_argument("--seed", nargs="+", type=int, dest="seeds", help="seed(s)")

    show = commands.add_parser("config", help="validate a config and print it resolved")
    show.add_argument("config", help="YAML config file")

    commands.add_parser("kernels", help="list the pulse kernels and their charge")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if arguments.quiet else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return _run(arguments)
    except (ConfigError, SimulationFileError) as error:
        print(f"pulsesweep: error: {error}", file=sys.stderr)
        return 2


def _run(arguments: argparse.Namespace) -> int:
    if arguments.command == "simulate":
        from pulsesweep.simulation import simulate_to_netcdf  # imports brian2: slow

        path = simulate_to_netcdf(
            arguments.config, arguments.output, arguments.kernels,
            arguments.heights_nA, arguments.widths_ms, arguments.seeds,
        )
        print(path)
    elif arguments.command == "config":
        print(config_text(load_config(arguments.config)), end="")
    elif arguments.command == "kernels":
        for kernel in KERNELS.values():
            charge = "diverges" if kernel.total_integral is None else (
                f"{kernel.total_integral:.6g} * h * w")
            print(f"{kernel.name:<14} k(s) = {kernel.formula:<40} charge: {charge}")
    return 0
