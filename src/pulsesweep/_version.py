"""The package's version, from its installed metadata (or ``pyproject.toml`` in a checkout)."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

__all__ = ["__version__"]


def _version() -> str:
    try:
        return metadata.version("pulsesweep")
    except metadata.PackageNotFoundError:  # imported from a source checkout, not installed
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        version: str = tomllib.loads(pyproject.read_text())["project"]["version"]
        return version + "+source"


__version__ = _version()
