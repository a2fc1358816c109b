"""Sphinx extension: the configuration reference, rendered from the config's JSON schema.

The schema is the one place where every key, its type, its default, its allowed values
and its description live, so the reference is generated from it at every build and can
never drift from what the workflow accepts. A page asks for the reference with the line

    <!-- config-reference -->

which this extension replaces, while Sphinx reads the page, with a section per schema
section and a table of its keys (MyST Markdown). :func:`render_reference` is the same
rendering as a plain function, for the tests.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

#: The schema files (``config.schema.yaml`` and the sections it refers to): the page is
#: rebuilt when one changes.
SCHEMA_DIRECTORY = ROOT / "src" / "pulsesweep" / "config"

#: The line of a page that the reference replaces.
MARKER = "<!-- config-reference -->"

#: Characters that Markdown would read as markup in a description (outside code spans).
_MARKDOWN_SPECIAL = "\\*_[]<>|$"

_BOUNDS = (
    ("minimum", "≥"),
    ("exclusiveMinimum", ">"),
    ("maximum", "≤"),
    ("exclusiveMaximum", "<"),
)


def registry_kernel_names() -> list[str] | None:
    """The built-in kernel names (``pulsesweep.model.kernels.kernel_names``), or None.

    The schema file lists no kernel names: the sweep may name a built-in kernel or one the
    config defines under ``kernels``. The reference lists the built-ins as the allowed
    names of ``sweep.kernels``.
    """
    try:
        names = importlib.import_module("pulsesweep.model.kernels").kernel_names()
    except (ImportError, AttributeError):
        return None
    return list(names) or None


def load_schema() -> dict[str, Any]:
    """The schema the package validates with (``pulsesweep.config.load_schema``, its
    sections of their own resolved), with the built-in kernel names added.

    Returns
    -------
    dict
        The schema, with the built-in kernels as the enum of ``sweep.kernels`` (the
        package also accepts the names of the config's own kernels).
    """
    schema: dict[str, Any] = importlib.import_module("pulsesweep.config").load_schema()
    names = registry_kernel_names()
    if names:
        schema["properties"]["sweep"]["properties"]["kernels"]["items"]["enum"] = names
    return schema


def leaf_keys(schema: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, dict]]:
    """Every key that is not itself a section, as (dotted path, its schema), in order."""
    for key, sub in schema.get("properties", {}).items():
        if sub.get("type") == "object" and "properties" in sub:
            yield from leaf_keys(sub, f"{prefix}{key}.")
        elif sub.get("type") == "object" and "properties" in sub.get("additionalProperties", {}):
            yield from leaf_keys(sub["additionalProperties"], f"{prefix}{key}.NAME.")
        else:
            yield f"{prefix}{key}", sub
    entries = schema.get("additionalProperties")
    if not prefix and isinstance(entries, Mapping) and "properties" in entries:
        yield from leaf_keys(entries, "NAME.")  # a section of named entries (kernels)


def _types(sub: Mapping[str, Any]) -> list[str]:
    kind = sub.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _plural(kind: str) -> str:
    return {"null": "nulls"}.get(kind, f"{kind}s")


def describe_type(sub: Mapping[str, Any]) -> str:
    """The JSON type of a key in words: ``integer``, ``number or null``, ``list of strings``."""
    words = []
    for kind in _types(sub):
        if kind == "array":
            items = _types(sub.get("items", {}))
            words.append("list of " + " or ".join(_plural(k) for k in items) if items else "list")
        else:
            words.append(kind)
    return " or ".join(words) or "any"


def _value(value: Any) -> str:
    return "null" if value is None else str(value)


def _bounds(sub: Mapping[str, Any]) -> list[str]:
    return [f"{sign} {_value(sub[name])}" for name, sign in _BOUNDS if name in sub]


def _choices(sub: Mapping[str, Any]) -> list[str]:
    if "enum" in sub:
        return ["one of " + ", ".join(f"`{_value(value)}`" for value in sub["enum"])]
    if "const" in sub:
        return [f"exactly `{_value(sub['const'])}`"]
    if "pattern" in sub:
        return [f"matches `{sub['pattern']}`"]
    return []


def describe_allowed(sub: Mapping[str, Any]) -> str:
    """The values a key allows beyond its type, in words (empty if any value of the type)."""
    rules = [*_bounds(sub), *_choices(sub)]
    if "array" in _types(sub):
        items = sub.get("items", {})
        rules += [f"each {rule}" for rule in [*_bounds(items), *_choices(items)]]
        if "minItems" in sub:
            count = sub["minItems"]
            rules.append(f"at least {count} item{'s' if count != 1 else ''}")
        if "maxItems" in sub:
            rules.append(f"at most {sub['maxItems']} items")
        if sub.get("uniqueItems"):
            rules.append("no repeats")
        contains = sub.get("contains", {})
        if "const" in contains:
            rules.append(f"must contain `{_value(contains['const'])}`")
        elif contains:
            rules += [f"must contain an item that {rule}" for rule in _choices(contains)]
    return "; ".join(rules)


def format_default(value: Any) -> str:
    """A default as JSON, the way a YAML config can spell it too (``null``, ``[0, 1]``)."""
    return json.dumps(value, ensure_ascii=False)


def _escape(text: str) -> str:
    """``text`` with Markdown markup escaped outside its code spans (``...``)."""
    parts = text.split("`")
    for index in range(0, len(parts), 2):  # even parts lie outside code spans
        parts[index] = "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in parts[index])
    return "`".join(parts)


def _cell(text: str) -> str:
    return " ".join(text.split())


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_section(name: str, section: Mapping[str, Any], level: int = 2) -> list[str]:
    """The Markdown of one schema section: a heading, its description and a key table."""
    lines = [f"{'#' * level} `{name}`", ""]
    if section.get("description"):
        lines += [_escape(_cell(section["description"])), ""]
    lines += [
        _row(["key", "type", "default", "allowed", "description"]),
        _row(["---"] * 5),
    ]
    for key, sub in leaf_keys(section):
        lines.append(
            _row(
                [
                    f"`{key}`",
                    describe_type(sub),
                    f"`{format_default(sub['default'])}`" if "default" in sub else "required",
                    describe_allowed(sub),
                    _escape(_cell(sub.get("description", ""))),
                ]
            )
        )
    return [*lines, ""]


def render_reference(schema: Mapping[str, Any] | None = None, level: int = 2) -> str:
    """The configuration reference as MyST Markdown: every section and key of ``schema``.

    Parameters
    ----------
    schema
        The configuration's JSON schema; by default :func:`load_schema`.
    level
        The heading level of each section (2: ``##``).

    Returns
    -------
    str
        A heading per section, in schema order, each followed by its description and a
        table with every key's type, default, allowed values and description.
    """
    schema = load_schema() if schema is None else schema
    lines = []
    for name, section in schema["properties"].items():
        lines += render_section(name, section, level)
    return "\n".join(lines)


def _insert_reference(app: Any, docname: str, source: list[str]) -> None:
    """Sphinx ``source-read`` handler: replace :data:`MARKER` with the reference."""
    if MARKER not in source[0]:
        return
    for path in SCHEMA_DIRECTORY.glob("*.schema.yaml"):
        app.env.note_dependency(str(path))  # the page is rebuilt when the schema changes
    source[0] = source[0].replace(MARKER, render_reference(load_schema()))


def setup(app: Any) -> dict[str, Any]:
    """Register the ``source-read`` handler that puts the reference into its page."""
    app.connect("source-read", _insert_reference)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
