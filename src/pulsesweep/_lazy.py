"""Subpackages whose public names are imported when first used.

The Snakefile plans a sweep with the standard library, PyYAML and jsonschema alone (what
Snakemake itself installs), so a subpackage that the plan reads part of (the grid, the
run, the kernel registry, the model shapes) must not import numpy or Brian2 when it is
imported: its ``__init__`` names its modules, and :func:`lazy_exports` imports each one
when one of its names is first used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from types import ModuleType

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, modules: Sequence[str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package`` that re-export the
    ``__all__`` of each of its ``modules`` (in that order), importing a module only when
    one of its names, or the package's ``__all__``, is asked for."""

    def module(name: str) -> ModuleType:
        return importlib.import_module(f"{package}.{name}")

    def exported() -> list[str]:
        return [name for part in modules for name in module(part).__all__]

    def get(name: str) -> object:
        if name == "__all__":
            return exported()
        if name in modules:
            return module(name)
        for part in modules:
            if name in module(part).__all__:
                return getattr(module(part), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def names() -> list[str]:
        return sorted({*exported(), *modules})

    return get, names
