"""Sphinx extension: the variables of the simulation files, from the files' contract.

The writer and the reader of simulation files share one contract,
:data:`pulsesweep.simulation.file_format.SIMULATION_VARIABLES` (every variable, its
dimensions, units and long name), so the table in the docs is generated from it at every
build and cannot drift from the files. A page asks for it with the line

    <!-- simulation-variables -->

which this extension replaces, while Sphinx reads the page, with a MyST Markdown table.
:func:`render_simulation_variables` is the same rendering as a plain function, for the
tests.
"""

from __future__ import annotations

from typing import Any

#: The line of a page that the table replaces.
MARKER = "<!-- simulation-variables -->"


def render_simulation_variables() -> str:
    """The simulation file's variables as a Markdown table: name, dimensions, units and
    meaning, in the order of the contract."""
    from pulsesweep.simulation.file_format import SIMULATION_VARIABLES

    lines = ["| variable | dims | units | meaning |", "|---|---|---|---|"]
    for name, variable in SIMULATION_VARIABLES.items():
        dims = ", ".join(variable.dims) or "–"
        units = variable.units or "–"
        lines.append(f"| `{name}` | {dims} | {units} | {variable.long_name} |")
    return "\n".join(lines)


def _insert_table(app: Any, docname: str, source: list[str]) -> None:
    """Sphinx ``source-read`` handler: replace :data:`MARKER` with the table."""
    if MARKER in source[0]:
        source[0] = source[0].replace(MARKER, render_simulation_variables())


def setup(app: Any) -> dict[str, Any]:
    """Register the ``source-read`` handler that puts the table into its page."""
    app.connect("source-read", _insert_table)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
