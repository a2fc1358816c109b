"""The command line answers bad input with one line on stderr and exit status 2, never a
traceback, whatever the arguments and whatever state the files they name are in."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from conftest import SMALL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulsesweep.cli import main

#: The states a file an argument names can be in, none of them a usable config.
BAD_STATES = (
    "missing",
    "directory",
    "binary",
    "bad_yaml",
    "list_yaml",
    "bad_value",
    "not_netcdf",
    "foreign_netcdf",
)
#: Also states of a config that is usable (``empty`` is every default), for the commands
#: that only inspect a config or that then read other files (never simulate).
CONFIG_STATES = (*BAD_STATES, "empty", "measures_nothing", "valid")
INSPECTING = ("config", "jobs")
READING = ("aggregate", "figure")


def make_file(directory: Path, name: str, state: str) -> Path:
    """A file in ``state``, of :data:`CONFIG_STATES`."""
    path = directory / name
    if state == "directory":
        path.mkdir()
    elif state == "empty":
        path.write_text("")
    elif state == "binary":
        path.write_bytes(b"\x89HDF\r\n\x1a\n\x00\xff\xfe" * 8)
    elif state == "bad_yaml":
        path.write_text("network:\n  n_neurons: [1, 2\nsweep: {")
    elif state == "list_yaml":
        path.write_text("- network\n- sweep\n")
    elif state == "bad_value":
        path.write_text(yaml.safe_dump({**SMALL, "network": {"n_neurons": -3}}))
    elif state == "measures_nothing":
        path.write_text(yaml.safe_dump({**SMALL, "sweep": {**SMALL["sweep"], "heights_nA": [0]}}))
    elif state == "not_netcdf":
        path.write_text("time,value\n0,1\n")
    elif state == "foreign_netcdf":
        xr.Dataset({"temperature": ("time", np.arange(3.0))}).to_netcdf(path)
    elif state == "valid":
        path.write_text(yaml.safe_dump(SMALL))
    return path


@st.composite
def command_lines(draw: st.DrawFn) -> tuple[str, list[tuple[str, str, str]], list[str]]:
    """A subcommand, the files its options name (option, file name, state) and any other
    arguments, some of them malformed."""
    command = draw(
        st.sampled_from(
            ["simulate", "build", "aggregate", "examples", "theory", "figure", *INSPECTING]
        )
    )
    usable = command in INSPECTING + READING
    config_states = CONFIG_STATES if usable else BAD_STATES
    files = []
    if command != "build" and (usable or draw(st.booleans())):
        files.append(("--config", "config.yaml", draw(st.sampled_from(config_states))))
    if command == "figure":
        files.append(("--input", "responses.nc", draw(st.sampled_from(BAD_STATES))))
        if draw(st.booleans()):
            files.append(("--theory", "theory.nc", draw(st.sampled_from(BAD_STATES))))
    extra = []
    if command == "aggregate":
        extra += ["--directory", "simulations-that-are-not-there"]
    if command in ("simulate", "build", "aggregate", "examples", "theory") and draw(st.booleans()):
        extra += ["--output", "out/result.nc"]
    if command == "build":
        shape = draw(st.sampled_from(["{", "[]", '{"n_neurons": 1}', '{"dt": "x"}', "null"]))
        extra += ["--shape", shape]
    junk = st.sampled_from(
        ["--kernel", "--seed", "--height-nA", "--width-ms", "--name", "--processes", "--nope"]
    )
    for option in draw(st.lists(junk, max_size=2)):
        extra += [option, draw(st.sampled_from(["triangle", "x", "-1", "99", "1e400"]))]
    return command, files, extra


def run(argv: list[str]) -> tuple[int, str, str]:
    """``pulsesweep *argv`` in this process: exit status, stdout, stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse's errors and --help
            status = int(exit_.code or 0)
    return status, stdout.getvalue(), stderr.getvalue()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # netCDF4 on the junk files
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(command_lines())
def test_bad_input_gets_one_line_and_status_2_never_a_traceback(case):
    command, files, extra = case
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        argv = [command, *extra]
        for option, where in (("--directory", "simulations"), ("--output", "out/result.nc")):
            if option in argv:  # in the scratch directory
                argv[argv.index(option) + 1] = str(directory / where)
        for option, name, state in files:
            argv += [option, str(make_file(directory, name, state))]
        status, _, stderr = run(argv)
        lines = stderr.strip().splitlines()
        assert "Traceback" not in stderr, argv
        if status == 0:  # a valid config, inspected
            assert command in INSPECTING, (argv, stderr)
            assert all("warning" in line for line in lines), (argv, stderr)
            return
        assert status == 2, (argv, status, stderr)
        errors = [line for line in lines if "error:" in line]
        assert len(errors) == 1, (argv, stderr)
        assert lines[-1] == errors[0], (argv, stderr)
        assert errors[0].startswith("pulsesweep"), (argv, stderr)
        assert not (directory / "out").exists(), argv  # nothing written


@pytest.mark.parametrize(
    ("state", "says"),
    [
        ("missing", "no such file; make it with"),
        ("directory", "a directory, not a file; make it with"),
        ("not_netcdf", "not a readable netCDF file"),
    ],
)
def test_a_missing_file_is_not_called_damaged(tmp_path, state, says):
    config = make_file(tmp_path, "config.yaml", "valid")
    source = make_file(tmp_path, "responses.nc", state)
    status, _, stderr = run(["figure", "--config", str(config), "--input", str(source)])
    assert status == 2
    assert f"{source}: {says}" in stderr
    assert ("delete it" in stderr) is False


def test_the_config_comes_with_config_on_every_subcommand_and_the_old_form_still_works(tmp_path):
    config = make_file(tmp_path, "config.yaml", "valid")
    new = run(["jobs", "--config", str(config)])
    old = run(["jobs", str(config)])
    assert new[0] == old[0] == 0
    assert new[1] == old[1]
    from pulsesweep.config import load_config
    from pulsesweep.jobs import simulation_jobs

    assert new[1].count("point(s)") == len(simulation_jobs(load_config(config))) > 1
    assert new[2] == ""
    assert old[2].strip() == (
        "pulsesweep jobs: warning: `pulsesweep jobs FILE` is deprecated; use "
        "`pulsesweep jobs --config FILE`"
    )


def test_config_files_merge_in_order_as_snakemake_merges_them(tmp_path):
    """`pulsesweep config --config config/config.yaml my.yaml` shows the config that
    `snakemake --configfile my.yaml` runs."""
    from conftest import ROOT

    mine = tmp_path / "my.yaml"
    mine.write_text(yaml.safe_dump({"network": {"n_neurons": 7}}))
    status, shown, _ = run(["config", "--config", str(ROOT / "config" / "config.yaml"), str(mine)])
    assert status == 0
    merged = yaml.safe_load(shown)
    shipped = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    assert merged["network"]["n_neurons"] == 7
    assert merged["sweep"]["kernels"] == shipped["sweep"]["kernels"]
    assert merged["jobs"]["batch_axes"] == shipped["jobs"]["batch_axes"]


def test_kernels_lists_a_configs_own_with_its_charge_in_aligned_columns(tmp_path, capsys):
    """The double exponential's charge, 1 - 1/3, beside the built-ins, every column aligned."""
    config = tmp_path / "mine.yaml"
    config.write_text(
        yaml.safe_dump({"kernels": {"double_exponential": {"shape": "exp(-s) - exp(-3*s)"}}})
    )
    assert main(["kernels", "--config", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    own = lines[-1]
    assert own.startswith("double_exponential  k(s) = exp(-s) - exp(-3*s)")
    assert own.endswith("charge: 0.666667 * h * w  (exact)")
    assert len({line.index("k(s) =") for line in lines}) == 1
    assert len({line.index("charge:") for line in lines}) == 1
