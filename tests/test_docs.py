"""Documentation and packaging stay in step with the code: every key, every package."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from pulsesweep.config import load_schema

ROOT = Path(__file__).resolve().parents[1]


def leaf_keys(schema, path=""):
    for key, sub in schema.get("properties", {}).items():
        if sub.get("type") == "object":
            yield from leaf_keys(sub, f"{path}{key}.")
        else:
            yield f"{path}{key}", sub


def test_config_readme_documents_every_key_with_its_default():
    text = (ROOT / "config" / "README.md").read_text()
    for key, sub in leaf_keys(load_schema()):
        section, name = key.rsplit(".", 1)
        body = text.split(f"## `{section}`")[1].split("\n## ")[0]
        row = re.search(rf"^\| `{name}` \| `(.*?)` \|", body, re.MULTILINE)
        assert row, f"config/README.md does not document {key}"
        assert json.loads(row[1]) == sub["default"], f"{key}: README default differs"


@pytest.mark.parametrize("name", ["config.yaml", "test.yaml"])
def test_shipped_configs_comment_every_key(name):
    for number, line in enumerate((ROOT / "config" / name).read_text().splitlines(), 1):
        if re.match(r"^\s+\w+:", line):
            assert "#" in line, f"config/{name}:{number} has no comment: {line.strip()}"


def test_conda_env_names_the_same_packages_as_pyproject():
    def normalise(name):
        return re.split(r"[ <>=;\[]", name.strip())[0].lower().replace("_", "-")

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = {normalise(d) for d in project["dependencies"]}
    env = yaml.safe_load((ROOT / "envs" / "pulsesweep.yaml").read_text())
    pinned = [d for d in env["dependencies"] if isinstance(d, str)]
    assert {normalise(d) for d in pinned} - {"python"} == required
    assert all(re.search(r"=\s*\d", d) for d in pinned), "every conda package is pinned"
    assert "conda-forge" in env["channels"]
