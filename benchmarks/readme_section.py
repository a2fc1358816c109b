"""Write a table that a benchmark measured into its marked section of the README."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def replace_section(name: str, text: str) -> None:
    """Put ``text`` between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    before, rest = README.read_text().split(start)
    _, after = rest.split(end)
    README.write_text(f"{before}{start}\n{text}\n{end}{after}")


def publish(name: str, text: str, update_readme: bool) -> None:
    """Print a measured table and, if asked, write it into the README's section ``name``."""
    print(text)
    if update_readme:
        replace_section(name, text)


def measured_by(command: str) -> str:
    """The line that opens a measured table: which command, when and on what machine."""
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    return f"Measured by `{command}` on {time.strftime('%Y-%m-%d')} ({machine})."
