# pulsesweep: `make run` runs the default sweep, `make test` runs the test suite.
# Every target creates .venv with `python3 -m venv` when it is missing and installs the
# project with its test and docs extras first; nothing is installed outside .venv,
# except by `make test-cluster`, which says so.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CORES  ?= $(shell nproc 2>/dev/null || echo 2)
STAMP  := $(VENV)/.installed

.PHONY: install run test test-fast test-cluster lint docs bench bench-scale accuracy bench-cluster clean-results

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $(STAMP)

# The venv alone (make test and the others install it when it is missing).
install: $(STAMP)

# Snakemake finds profiles/default by itself.
run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)

# The test suite, on every core (a test file's tests on one core, so that the workflow
# run they share is made once). It leaves the machine alone: no system packages, no
# /etc, no daemons. Another Python: make test PYTHON=python3.13 VENV=.venv-3.13
test: $(STAMP)
	$(BIN)/python -m pytest -n $(CORES) --dist loadfile

# The tests that need no workflow run, on every core: for the other Pythons in CI.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not cluster" -n $(CORES)

# The SLURM profile on a real single-node cluster. CHANGES THE MACHINE: as root, installs
# Debian's slurm and munge packages with apt (if missing), adds this host to /etc/hosts
# and starts munged, slurmctld and slurmd (stopped again at the end).
test-cluster: $(STAMP)
	PULSESWEEP_TEST_CLUSTER=1 $(BIN)/python -m pytest -m cluster

# Static checks: ruff (lint and format), mypy (strict, src/), the package's layering
# (import-linter contracts in pyproject.toml), snakefmt, snakemake --lint.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/snakefmt --check .
	$(BIN)/snakemake --lint --cores 1

# The documentation, into docs/_build/html; every Sphinx warning is an error.
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

# Each benchmark writes its table into its page: docs/performance.md, docs/scale.md,
# docs/accuracy.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --repeats 3 --update-docs

# Long runs and a 20,000-point sweep (about 20 minutes on 2 cores).
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/scale.py --update-docs

accuracy: $(STAMP)
	$(BIN)/python benchmarks/accuracy.py --update-docs

bench-cluster: $(STAMP)
	PULSESWEEP_TEST_CLUSTER=1 $(BIN)/python benchmarks/cluster.py

clean-results:
	rm -rf results/simulations results/responses.nc results/examples.nc results/figures \
		results/logs results/benchmarks
