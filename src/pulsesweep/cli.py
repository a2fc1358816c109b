"""Command line: one subcommand per workflow step, each calling one library function.

``pulsesweep simulate``, ``aggregate``, ``examples``, ``theory`` and ``figure`` call the same
functions as the Snakemake rules; ``config``, ``jobs`` and ``kernels`` inspect a sweep.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from pulsesweep._version import __version__
from pulsesweep.config.checks import check_sweep
from pulsesweep.config.resolution import config_text, load_config
from pulsesweep.errors import PulsesweepError, UsageError
from pulsesweep.figures.registry import FIGURE_NAMES, RESPONSE_FIGURES
from pulsesweep.logs import log_to_stderr
from pulsesweep.model.kernels import KERNELS, kernel_table

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors in one line that points to the help."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


if TYPE_CHECKING:
    #: What ``add_subparsers`` returns: each subcommand adds its parser to it.
    Subcommands = argparse._SubParsersAction[_Parser]


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pulsesweep",
        description=(
            "Sweep current pulses injected into tonically firing neurons "
            "(the LIF, or your own Brian2 model)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"pulsesweep {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in _SUBCOMMANDS:
        add(commands)
    return parser


def _add_simulate(commands: Subcommands) -> None:
    simulate = _command(
        commands,
        "simulate",
        "simulate grid points of a config into one netCDF file",
        "Simulate the Cartesian product of the selected kernels, heights, widths "
        "and seeds (each defaulting to the config's whole axis) in one network, and write "
        "one netCDF file atomically.",
    )
    _config_and_output(simulate)
    simulate.add_argument("--kernel", nargs="+", dest="kernels", help="kernel name(s)")
    simulate.add_argument(
        "--height-nA", nargs="+", type=float, dest="heights_nA", help="pulse height(s) in nA"
    )
    simulate.add_argument(
        "--width-ms", nargs="+", type=float, dest="widths_ms", help="pulse width(s) in ms"
    )
    simulate.add_argument("--seed", nargs="+", type=int, dest="seeds", help="seed(s)")
    simulate.add_argument(
        "--controls",
        action="store_true",
        help="also simulate each seed's unpulsed control (height 0)",
    )
    simulate.add_argument(
        "--build",
        help="cpp_standalone build to run (default: compile into the build cache if needed)",
    )
    simulate.add_argument(
        "--every-neuron",
        dest="copies",
        action="store_false",
        help="simulate every neuron of every point, not each distinct neuron once (the "
        "same file, slower: a check, and the benchmarks' measure of the work saved)",
    )


def _add_build(commands: Subcommands) -> None:
    build = _command(
        commands,
        "build",
        "compile the cpp_standalone model for one shape",
        "Compile the model for a shape (as JSON: n_neurons, n_steps, n_pulses, "
        "dt, method) into a directory that `simulate --build` runs.",
    )
    build.add_argument("--shape", required=True, help="the model shape as JSON")
    build.add_argument("--output", required=True, help="build directory to create")
    build.add_argument(
        "--processes",
        type=int,
        default=None,
        help="compiler processes side by side (default: as many as make starts)",
    )


def _add_aggregate(commands: Subcommands) -> None:
    aggregate = _command(
        commands,
        "aggregate",
        "measure every pulse against its control, into responses.nc",
        "Read the files of every job of the config from DIRECTORY (as "
        "`pulsesweep jobs` names them) and write the response dataset.",
    )
    _config_and_output(aggregate)
    aggregate.add_argument(
        "--directory",
        default="results/simulations",
        help="where the simulation files are (default: %(default)s)",
    )
    aggregate.add_argument(
        "--processes", type=int, default=1, help="measure the files side by side in N processes"
    )


def _add_examples(commands: Subcommands) -> None:
    examples = commands.add_parser("examples", help="simulate the per-kernel example traces")
    _config_and_output(examples)


def _add_theory(commands: Subcommands) -> None:
    theory = commands.add_parser(
        "theory", help="compute the LIF theory curves the figures draw (theory_curves.nc)"
    )
    _config_and_output(theory)


def _add_figure(commands: Subcommands) -> None:
    figure = _command(
        commands,
        "figure",
        "draw figures in every configured format",
        "Draw the named figures (default: every figure of responses.nc) from "
        "one input file into DIRECTORY as NAME.png, NAME.svg, ...",
    )
    _config_argument(figure)
    figure.add_argument(
        "--input", required=True, help="responses.nc (examples.nc for example_traces)"
    )
    figure.add_argument(
        "--name",
        nargs="+",
        dest="names",
        choices=FIGURE_NAMES,
        metavar="NAME",
        help=f"figure(s), of {', '.join(FIGURE_NAMES)}; default: every figure of responses.nc",
    )
    figure.add_argument(
        "--theory",
        help="theory_curves.nc (pulsesweep theory) for the theory lines; default: computed",
    )
    figure.add_argument(
        "--processes", type=int, default=1, help="draw the figures side by side in N processes"
    )
    figure.add_argument(
        "--directory", default="results/figures", help="where the figures go (default: %(default)s)"
    )


def _add_config(commands: Subcommands) -> None:
    show = _command(
        commands,
        "config",
        "validate a config and print it resolved",
        "Merge the config files in order (as Snakemake merges `--configfile my.yaml` over "
        "config/config.yaml: `--config config/config.yaml my.yaml`), fill in the schema's "
        "defaults, check everything and print the result.",
    )
    _config_argument(show, positional=True)


def _add_jobs(commands: Subcommands) -> None:
    jobs = commands.add_parser("jobs", help="list the simulation jobs of a config")
    _config_argument(jobs, positional=True)


def _add_kernels(commands: Subcommands) -> None:
    kernels = commands.add_parser(
        "kernels", help="list the pulse kernels (with a config's own) and their charge"
    )
    kernels.add_argument(
        "--config", nargs="+", metavar="FILE", help="also list the kernels these configs define"
    )


_SUBCOMMANDS = (
    _add_simulate,
    _add_build,
    _add_aggregate,
    _add_examples,
    _add_theory,
    _add_figure,
    _add_config,
    _add_jobs,
    _add_kernels,
)


def _command(
    commands: Subcommands, name: str, summary: str, description: str | None = None
) -> argparse.ArgumentParser:
    """A subcommand: its one-line summary in the list, and its description in its help."""
    return commands.add_parser(name, help=summary, description=description or summary)


def _config_argument(parser: argparse.ArgumentParser, positional: bool = False) -> None:
    """``--config FILE [FILE ...]``: the config files, merged in order. ``positional``: the
    files may also come first, without ``--config`` (the old form, deprecated)."""
    parser.add_argument(
        "--config",
        nargs="+",
        required=not positional,
        metavar="FILE",
        help="YAML config file(s), merged in order as Snakemake merges them: later files "
        "over earlier ones, then the schema's defaults",
    )
    if positional:
        parser.add_argument("old_config", nargs="*", metavar="FILE", help=argparse.SUPPRESS)


def _config_files(arguments: argparse.Namespace) -> list[str]:
    """The config files of a command; the old positional form with a deprecation note."""
    old: list[str] = getattr(arguments, "old_config", None) or []
    if old:
        command = f"pulsesweep {arguments.command}"
        print(
            f"{command}: warning: `{command} FILE` is deprecated; use `{command} --config FILE`",
            file=sys.stderr,
        )
    files: list[str] = [*(arguments.config or []), *old]
    if not files:
        raise UsageError("no config: give it with --config FILE")
    return files


def _config_and_output(parser: argparse.ArgumentParser) -> None:
    _config_argument(parser)
    parser.add_argument("--output", required=True, help="netCDF file to write")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = _parser().parse_args(argv)
    log_to_stderr(arguments.quiet)
    try:
        _COMMANDS[arguments.command](arguments)
    except PulsesweepError as error:
        print(f"pulsesweep: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away, e.g. `pulsesweep jobs C | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error
        return 141
    return 0


def _simulate(arguments: argparse.Namespace) -> None:
    from pulsesweep.simulation.job import simulate_to_netcdf  # numpy: slow to import

    print(
        simulate_to_netcdf(
            load_config(*_config_files(arguments)),
            arguments.output,
            arguments.kernels,
            arguments.heights_nA,
            arguments.widths_ms,
            arguments.seeds,
            arguments.build,
            arguments.controls,
            arguments.copies,
        )
    )


def _build(arguments: argparse.Namespace) -> None:
    import json

    from pulsesweep.simulation.builds import build_simulator
    from pulsesweep.simulation.shapes import ModelShape

    try:
        shape = ModelShape(**json.loads(arguments.shape))
    except (ValueError, TypeError) as error:  # not JSON, or not the fields of a shape
        raise UsageError(
            f"--shape {arguments.shape!r}: not a model shape as JSON ({error}); give its "
            "n_neurons, n_steps, n_pulses, dt and method, as `pulsesweep jobs` plans them"
        ) from None
    print(build_simulator(shape, arguments.output, arguments.processes))


def _aggregate(arguments: argparse.Namespace) -> None:
    from pulsesweep.analysis.aggregate import aggregate_to_netcdf
    from pulsesweep.jobs import job_files

    config = load_config(*_config_files(arguments))
    print(
        aggregate_to_netcdf(
            config,
            job_files(config, arguments.directory, control=True),
            job_files(config, arguments.directory),
            arguments.output,
            arguments.processes,
        )
    )


def _examples(arguments: argparse.Namespace) -> None:
    from pulsesweep.simulation.examples import examples_to_netcdf

    print(examples_to_netcdf(load_config(*_config_files(arguments)), arguments.output))


def _theory(arguments: argparse.Namespace) -> None:
    from pulsesweep.analysis.theory_curves import theory_curves_to_netcdf

    print(theory_curves_to_netcdf(load_config(*_config_files(arguments)), arguments.output))


def _figure(arguments: argparse.Namespace) -> None:
    from pulsesweep.figures.drawing import write_figures

    names = arguments.names or list(RESPONSE_FIGURES)
    config = load_config(*_config_files(arguments))
    figures = write_figures(
        config, arguments.input, names, arguments.directory, arguments.processes, arguments.theory
    )
    for path in figures:
        print(path)


def _config(arguments: argparse.Namespace) -> None:
    config = load_config(*_config_files(arguments))
    check_sweep(config)
    print(config_text(config), end="")


def _jobs(arguments: argparse.Namespace) -> None:
    from pulsesweep.jobs import simulation_jobs

    config = load_config(*_config_files(arguments))
    check_sweep(config)
    for name, job in simulation_jobs(config).items():
        print(
            f"{name}\t{job.n_points} point(s)\t~{job.memory_mb(config)} MB"
            f"\t~{job.runtime_min(config)} min"
        )


def _kernels(arguments: argparse.Namespace) -> None:
    table = tuple(KERNELS.values())
    if arguments.config:
        table = kernel_table(load_config(*arguments.config))
    names = max(len(kernel.name) for kernel in table)
    formulas = max(len(kernel.formula) for kernel in table)
    for kernel in table:
        total = kernel.total
        charge = "diverges" if total is None else f"{total:.6g} * h * w"
        how = "" if kernel.builtin else ("  (exact)" if kernel.exact else "  (quadrature)")
        print(f"{kernel.name:<{names}}  k(s) = {kernel.formula:<{formulas}}  charge: {charge}{how}")


_COMMANDS = {
    "simulate": _simulate,
    "build": _build,
    "aggregate": _aggregate,
    "examples": _examples,
    "theory": _theory,
    "figure": _figure,
    "config": _config,
    "jobs": _jobs,
    "kernels": _kernels,
}
