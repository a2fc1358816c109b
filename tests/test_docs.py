"""Documentation and packaging stay in step with the code: every key, every package."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from pulsesweep.config import load_schema

ROOT = next(
    path for path in Path(__file__).resolve().parents if (path / "pyproject.toml").is_file()
)


def load_module(path: Path):
    """Import a file that is not on sys.path (a docs extension, a benchmark helper)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


config_reference = load_module(ROOT / "docs" / "_ext" / "config_reference.py")
docs_page = load_module(ROOT / "benchmarks" / "docs_page.py")
file_contract = load_module(ROOT / "docs" / "_ext" / "file_contract.py")


def leaf_keys(schema, path=""):
    for key, sub in schema.get("properties", {}).items():
        if sub.get("type") == "object":
            yield from leaf_keys(sub, f"{path}{key}.")
        else:
            yield f"{path}{key}", sub


def test_config_reference_documents_every_key_with_its_default():
    text = config_reference.render_reference()
    for key, sub in leaf_keys(load_schema()):
        section, name = key.rsplit(".", 1)
        body = text.split(f"## `{section}`\n")[1].split("\n## ")[0]
        row = re.search(rf"^\| `{name}` \| [^|]+ \| `(.*?)` \|", body, re.MULTILINE)
        assert row, f"the configuration reference does not document {key}"
        assert json.loads(row[1]) == sub["default"], f"{key}: the reference's default differs"


def test_config_reference_reads_the_schema_the_package_validates_with():
    """The same schema, with the built-in kernels listed as the names of sweep.kernels."""
    from pulsesweep.model.kernels import KERNELS

    documented = config_reference.load_schema()
    items = documented["properties"]["sweep"]["properties"]["kernels"]["items"]
    assert items.pop("enum") == list(KERNELS)
    assert documented == load_schema()


def test_config_reference_documents_the_keys_of_a_configs_own_kernels():
    text = config_reference.render_reference()
    body = text.split("## `kernels`\n")[1].split("\n## ")[0]
    for key in ("shape", "start", "stop", "response_onset"):
        assert f"| `NAME.{key}` |" in body, key
    assert re.search(r"^\| `NAME.shape` \| [^|]+ \| required \|", body, re.MULTILINE)


def test_config_reference_lists_the_allowed_values():
    text = config_reference.render_reference()
    from pulsesweep.model.kernels import KERNELS

    kernels = list(KERNELS)
    row = next(line for line in text.splitlines() if line.startswith("| `kernels` |"))
    assert all(f"`{name}`" in row for name in kernels)
    assert "> 0" in next(line for line in text.splitlines() if line.startswith("| `tau_ms` |"))


def test_config_reference_page_asks_for_the_reference():
    page = (ROOT / "docs" / "config-reference.md").read_text()
    assert config_reference.MARKER in page
    assert "config-reference" in (ROOT / "docs" / "index.md").read_text()


def test_outputs_page_shows_every_variable_of_the_simulation_file_contract():
    from pulsesweep.simulation.file_format import SIMULATION_VARIABLES

    assert file_contract.MARKER in (ROOT / "docs" / "outputs.md").read_text()
    rows = file_contract.render_simulation_variables().splitlines()[2:]
    assert [row.split("|")[1].strip(" `") for row in rows] == list(SIMULATION_VARIABLES)
    for row, variable in zip(rows, SIMULATION_VARIABLES.values(), strict=True):
        assert variable.long_name in row
        assert (variable.units or "–") in row


@pytest.mark.parametrize("name", ["config.yaml", "test.yaml"])
def test_shipped_configs_comment_every_key(name):
    for number, line in enumerate((ROOT / "config" / name).read_text().splitlines(), 1):
        if re.match(r"^\s+\w+:", line):
            assert "#" in line, f"config/{name}:{number} has no comment: {line.strip()}"


def test_conda_env_names_the_same_packages_as_pyproject():
    conda_names = {"python-isal": "isal"}  # conda-forge's name of a PyPI package

    def normalise(name):
        name = re.split(r"[ <>=;\[]", name.strip())[0].lower().replace("_", "-")
        return conda_names.get(name, name)

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = {normalise(d) for d in project["dependencies"]}
    env = yaml.safe_load((ROOT / "envs" / "pulsesweep.yaml").read_text())
    pinned = [d for d in env["dependencies"] if isinstance(d, str)]
    assert {normalise(d) for d in pinned} - {"python"} == required
    assert all(re.search(r"=\s*\d", d) for d in pinned), "every conda package is pinned"
    assert "conda-forge" in env["channels"]


def test_readme_opens_with_the_two_commands_and_stays_short():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move depth into docs/"
    opening = "\n".join(lines[:6])
    assert "make run" in opening
    assert "make test" in opening


def test_citation_and_license_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["version"] == project["version"]
    assert citation["license"] == project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    dois = {reference["doi"] for reference in citation["references"]}
    assert dois == {"10.7554/eLife.47314", "10.12688/f1000research.29032.2"}


@pytest.mark.parametrize("name", ["performance", "accuracy", "scale"])
def test_benchmark_pages_have_their_markers(name):
    page = docs_page.PAGES[name].read_text()
    assert page.count(f"<!-- {name}:start -->") == page.count(f"<!-- {name}:end -->") == 1


def test_benchmark_writer_replaces_only_its_section(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\nbefore\n\n<!-- x:start -->\nold\n<!-- x:end -->\n\nafter\n")
    docs_page.replace_section("x", "| new | table |", page=page, header="Measured by me.")
    assert page.read_text() == (
        "# Title\n\nbefore\n\n<!-- x:start -->\nMeasured by me.\n\n| new | table |\n"
        "<!-- x:end -->\n\nafter\n"
    )
    line = docs_page.measured_by("make bench")
    assert line.startswith("Measured by `make bench` on ")
    assert re.search(r"\d{4}-\d\d-\d\d", line)
    assert "cores" in line
    assert "Python" in line
    with pytest.raises(ValueError, match="y:start"):
        docs_page.replace_section("y", "text", page=page, header="")


def test_the_troubleshooting_page_names_every_key_an_error_can_name():
    """Every ConfigError the package raises names a key: each is in the page's list."""
    page = (ROOT / "docs" / "troubleshooting.md").read_text()
    raised = set()
    for path in (ROOT / "src" / "pulsesweep").rglob("*.py"):
        raised |= set(re.findall(r'ConfigError\(\s*f?"([\w.]+)', path.read_text()))
    assert len(raised) > 15
    for key in raised:
        assert f"`{key.rstrip('.')}" in page, key
