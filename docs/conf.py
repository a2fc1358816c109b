"""Sphinx configuration of the pulsesweep documentation: `make docs`."""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "pulsesweep"
author = "The pulsesweep developers"
copyright = "2026, The pulsesweep developers"
try:
    release = metadata.version("pulsesweep")
except metadata.PackageNotFoundError:  # not installed: the version pyproject.toml declares
    release = tomllib.loads((DOCS.parent / "pyproject.toml").read_text())["project"]["version"]
version = release

extensions = [
    "myst_nb",  # MyST Markdown pages and MyST-NB notebooks (it loads myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "config_reference",  # docs/_ext: the configuration reference from the JSON schema
    "file_contract",  # docs/_ext: the simulation files' variables from their contract
]

exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# MyST: ::: fences, definition lists, and anchors for headings down to ### so that
# pages can link to each other's sections (`[text](outputs.md#simulation-files)`).
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# MyST-NB: notebooks are executed at build time and cached (docs/_build/.jupyter_cache),
# so a build re-runs a notebook only when its code changed; an error fails the build.
nb_execution_mode = "cache"
nb_execution_timeout = 900
nb_execution_raise_on_error = True

# API reference: numpydoc docstrings, read by napoleon; members in source order.
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = True
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}

html_theme = "furo"
html_title = f"pulsesweep {release}"
html_static_path = ["_static"]
