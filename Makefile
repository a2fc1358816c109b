# pulsesweep: `make run` runs the default sweep, `make test` runs the test suite.
# Both create .venv with `python3 -m venv` when it is missing and install the project
# with its test extras first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORES  ?= $(shell nproc 2>/dev/null || echo 2)
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench accuracy bench-cluster clean-results

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) --workflow-profile workflow/profiles/default

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --repeats 3 --update-readme

accuracy: $(STAMP)
	$(BIN)/python benchmarks/accuracy.py --update-readme

bench-cluster: $(STAMP)
	$(BIN)/python benchmarks/cluster.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/snakemake --lint

clean-results:
	rm -rf results/simulations results/responses.nc results/figures results/logs results/benchmarks
