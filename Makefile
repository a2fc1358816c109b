# pulsesweep: `make run` runs the default sweep, `make test` runs the test suite.
# Every target creates .venv with `python3 -m venv` when it is missing and installs the
# project with its test extras first; nothing is installed outside .venv, except by
# `make test-cluster`, which says so.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORES  ?= $(shell nproc 2>/dev/null || echo 2)
STAMP  := $(VENV)/.installed

.PHONY: run test test-cluster lint bench bench-scale accuracy bench-cluster clean-results

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Snakemake finds profiles/default by itself.
run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)

# The test suite. It leaves the machine alone: no system packages, no /etc, no daemons.
test: $(STAMP)
	$(BIN)/python -m pytest

# The SLURM profile on a real single-node cluster. CHANGES THE MACHINE: as root, installs
# Debian's slurm and munge packages with apt (if missing), adds this host to /etc/hosts
# and starts munged, slurmctld and slurmd (stopped again at the end).
test-cluster: $(STAMP)
	PULSESWEEP_TEST_CLUSTER=1 $(BIN)/python -m pytest -m cluster

# Static checks: ruff (lint and format), mypy (strict, src/), snakefmt, snakemake --lint.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/snakefmt --check .
	$(BIN)/snakemake --lint --cores 1

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --repeats 3 --update-readme

# Long runs and a 20,000-point sweep (about 20 minutes on 2 cores): README, Scale.
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/scale.py --update-readme

accuracy: $(STAMP)
	$(BIN)/python benchmarks/accuracy.py --update-readme

bench-cluster: $(STAMP)
	PULSESWEEP_TEST_CLUSTER=1 $(BIN)/python benchmarks/cluster.py

clean-results:
	rm -rf results/simulations results/responses.nc results/examples.nc results/figures \
		results/logs results/benchmarks
