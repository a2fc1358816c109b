"""Write a table that a benchmark measured into its marked section of its docs page.

Each benchmark owns one page of the documentation and one section in it, between the
lines ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``: ``make bench`` writes
``performance`` and ``models`` (docs/performance.md), ``make accuracy`` ``accuracy``
(docs/accuracy.md) and ``make bench-scale`` ``scale`` and ``reading``
(docs/scale.md). Above the table
goes the line that says which command measured it, when and on what machine.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"

#: Each benchmark's section name and the page that holds it.
PAGES = {
    "performance": DOCS / "performance.md",
    "models": DOCS / "performance.md",
    "accuracy": DOCS / "accuracy.md",
    "scale": DOCS / "scale.md",
    "reading": DOCS / "scale.md",
}


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), or the machine type."""
    try:
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "cpu model") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine() -> str:
    """The machine a benchmark ran on: CPU model and architecture, cores, Python version."""
    return (
        f"{cpu_model()} ({platform.machine()}), {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def measured_by(command: str) -> str:
    """The line above a measured table: which command, when and on what machine."""
    return f"Measured by `{command}` on {time.strftime('%Y-%m-%d')}, {machine()}."


def replace_section(name: str, text: str, page: Path | None = None, header: str = "") -> None:
    """Put ``header`` and ``text`` between ``<!-- name:start -->`` and ``<!-- name:end -->``.

    Parameters
    ----------
    name
        The section's name, in its markers.
    text
        The new content of the section (a Markdown table).
    page
        The page that holds the section; by default ``PAGES[name]``.
    header
        A line above ``text`` (:func:`measured_by`), separated from it by a blank line;
        none if empty.

    Raises
    ------
    ValueError
        If the page does not hold each marker exactly once, start before end.
    """
    page = PAGES[name] if page is None else page
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    content = page.read_text()
    if (
        content.count(start) != 1
        or content.count(end) != 1
        or content.find(end) < content.find(start)
    ):
        raise ValueError(f"{page} must hold {start} once, followed by {end} once")
    before, rest = content.split(start)
    _, after = rest.split(end)
    body = f"{header}\n\n{text}" if header else text
    page.write_text(f"{before}{start}\n{body}\n{end}{after}")


def publish(name: str, command: str, text: str, update_docs: bool) -> None:
    """Print a measured table with its :func:`measured_by` line and, if ``update_docs``,
    write both into the docs page's section ``name`` (:data:`PAGES`)."""
    header = measured_by(command)
    print(f"{header}\n\n{text}")
    if update_docs:
        replace_section(name, text, header=header)
        print(f"written into {PAGES[name]}")
