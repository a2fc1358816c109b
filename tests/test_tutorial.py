"""The tutorial (docs/tutorial.md) runs from start to end, draws its figures and prints true
numbers.

The MyST text notebook is read with jupytext and executed once by nbclient, on
an ipykernel started from this interpreter, so that a change of the package, the workflow
or the output files that breaks the tutorial fails the suite. Everything the kernel, the
sweep and Jupyter write goes to pytest's temporary directories.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"

pytestmark = pytest.mark.slow


def python3_kernel(data_dir: Path) -> None:
    """A ``python3`` kernelspec in ``data_dir`` that runs ipykernel on this interpreter, so
    the notebook runs on the Python (and the pulsesweep) under test, whatever kernels the
    user has installed."""
    spec = data_dir / "kernels" / "python3"
    spec.mkdir(parents=True)
    kernel = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3",
        "language": "python",
    }
    (spec / "kernel.json").write_text(json.dumps(kernel, indent=1))


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory) -> dict[str, Any]:
    """The executed notebook, its printed text and the temporary directory it ran with."""
    import jupytext
    import nbclient

    base = tmp_path_factory.mktemp("tutorial")
    run_in, temporary = base / "cwd", base / "tmp"
    run_in.mkdir()
    temporary.mkdir()
    python3_kernel(base / "jupyter")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PULSESWEEP_TUTORIAL_ROOT", str(ROOT))
        patch.setenv("TMPDIR", str(temporary))  # the notebook's working copy
        patch.setattr(tempfile, "tempdir", str(temporary))  # the kernel's connection file
        patch.setenv("JUPYTER_PATH", str(base / "jupyter"))  # only our kernelspec
        patch.setenv("JUPYTER_DATA_DIR", str(base / "jupyter"))
        patch.setenv("JUPYTER_CONFIG_DIR", str(base / "jupyter-config"))
        patch.setenv("JUPYTER_RUNTIME_DIR", str(base / "jupyter-runtime"))
        patch.setenv("IPYTHONDIR", str(base / "ipython"))
        patch.setenv("MPLCONFIGDIR", str(base / "matplotlib"))
        patch.setenv("XDG_CACHE_HOME", str(base / "cache"))  # Snakemake's source cache
        patch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend draws PNGs
        notebook = jupytext.read(TUTORIAL)
        client = nbclient.NotebookClient(
            notebook,
            timeout=900,
            kernel_name="python3",
            resources={"metadata": {"path": str(run_in)}},
        )
        client.execute()  # raises CellExecutionError, with the cell, if a cell fails
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    printed = "".join(
        output.get("text", "")
        for cell in code
        for output in cell.outputs
        if output.output_type == "stream" and output.get("name") == "stdout"
    )
    return {"code": code, "printed": printed, "temporary": temporary}


def printed_number(text: str, label: str) -> float:
    """The number printed after ``label`` (a line ``label <number> <unit>``)."""
    match = re.search(rf"^{re.escape(label)}\s+(-?[0-9.]+(?:e[-+]?[0-9]+)?) ", text, re.MULTILINE)
    assert match, f"the tutorial no longer prints {label!r}:\n{text}"
    return float(match[1])


def test_every_cell_runs_without_an_error(tutorial):
    errors = [
        output
        for cell in tutorial["code"]
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors
    assert all(cell.execution_count for cell in tutorial["code"])


def test_every_figure_cell_draws_its_figure(tutorial):
    figures = [cell for cell in tutorial["code"] if "plt.subplots(" in cell.source]
    assert len(figures) >= 3  # the response curve, the two trains, measured against theory
    for cell in figures:
        images = [output for output in cell.outputs if "image/png" in output.get("data", {})]
        assert len(images) == 1, f"no figure from:\n{cell.source}"


def test_the_sweep_ran_in_a_temporary_directory_that_is_gone(tutorial):
    match = re.search(r"^results:\s+(.+)$", tutorial["printed"], re.MULTILINE)
    assert match, "the tutorial no longer prints where its results go"
    results = Path(match[1])
    assert results.name == "results"
    assert results.parent.parent == tutorial["temporary"], "results outside the working copy"
    assert not results.parent.exists(), "the working copy outlived the kernel"
    assert re.search(r"^(\d+) of \1 steps \(100%\) done$", tutorial["printed"], re.MULTILINE)


def test_the_spike_trains_give_the_measured_spike_advance(tutorial):
    text = tutorial["printed"]
    from_trains = printed_number(text, "spike advance from the trains:")
    measured = printed_number(text, "spike advance in responses.nc:")
    # The same spikes and the same subtraction: equal to the printed 1e-6 ms.
    assert from_trains == pytest.approx(measured, abs=1e-6)
    assert measured > 0  # a 10 nA depolarising pulse brings the next spike earlier


def test_one_box_pulse_agrees_with_lif_theory(tutorial):
    text = tutorial["printed"]
    measured = printed_number(text, "measured spike advance:")
    predicted = printed_number(text, "LIF theory:")
    residual = printed_number(text, "measured - theory:")
    by_hand = printed_number(text, "by hand:")
    reproduced = printed_number(text, "file's theory - by hand:")
    # `precise` integrates a box pulse exactly: only round-off is left (docs: 1e-14 s).
    assert abs(residual) <= 1e-12
    assert measured == pytest.approx(predicted, abs=1e-6)  # ms, to the printed digits
    # theory.spike_advance called by hand gives the file's theory column, to the 1e-14 s
    # that its Newton refinement guarantees each of the two.
    assert by_hand == pytest.approx(predicted, abs=1e-6)
    assert abs(reproduced) <= 2e-14
    assert 0 < measured < 20  # ms: an advance within the cycle (about 16 ms)


def test_every_usable_pulse_agrees_with_lif_theory(tutorial):
    lines = re.findall(
        r"^(\w+): (\d+) pulses, largest \|measured - theory\| = (\S+) µs$",
        tutorial["printed"],
        re.MULTILINE,
    )
    largest = {kernel: float(value) for kernel, _, value in lines}
    counts = {kernel: int(count) for kernel, count, _ in lines}
    assert set(largest) == {"box", "alpha"}, tutorial["printed"]
    assert all(count > 0 for count in counts.values())
    assert largest["box"] <= 1e-6  # µs: round-off only
    # The alpha current is averaged over each 0.1 ms step: second order in dt, 0.2 µs here
    # (docs: at most 1.3 µs up to 10 nA), against spike advances of 0.2 ms and more.
    assert largest["alpha"] <= 1.0
