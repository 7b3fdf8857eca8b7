# Entry points for developers and CI. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=
SCENARIO ?= step
STRATEGY ?=
CONTROL ?= fleet
WITH_CONTAINER ?=

# Component makefiles (toolchain, container, simulator) add their own
# install stamps to TEST_DEPS and their own targets.
TEST_DEPS := $(VENV)/.stamp-dev $(VENV)/.stamp-sim
-include mk/*.mk

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-dev: requirements/dev.txt pyproject.toml | $(VENV)/bin/python
	$(PIP) install -r requirements/dev.txt
	$(PIP) install --no-deps -e .
	touch $@

$(VENV)/.stamp-sim: requirements/sim.txt $(VENV)/.stamp-dev
	$(PIP) install -r requirements/sim.txt
	touch $@

.PHONY: help venv demo lint test bench-router bench-scaling clean
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  %-16s %s\n", $$1, $$2}'

venv: $(TEST_DEPS) ## create or update the virtual environment

demo: $(VENV)/.stamp-sim ## fleet simulator (SCENARIO=step STRATEGY=race|priority|proportional CONTROL=fleet|aws-sample|aws-sample-equal|native|pool|oracle|oracle-delayed SEED=n WITH_CONTAINER=1 DISPATCH=direct|queue)
	$(PY) -m simulator --scenario $(SCENARIO) --control $(CONTROL)$(if $(STRATEGY), --strategy $(STRATEGY))$(if $(SEED), --seed $(SEED))$(if $(WITH_CONTAINER), --with-container)$(if $(filter queue,$(DISPATCH)), --dispatch queue)

lint: $(VENV)/.stamp-dev ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# `make test` runs pytest twice: every suite but the `slow` ones on PYTEST_WORKERS
# pytest-xdist workers (each test file, and each Terraform suite as a whole, is one unit
# of work: tests/conftest.py), then the `slow` concurrency tests alone, so that no other
# test competes with their threads. PYTEST_WORKERS=0 runs the first phase in one process.
# PYTEST_ARGS goes to both. pytest exits 5 when it collected nothing: not a failure here.
PYTEST_WORKERS ?= 3
PYTEST_PARALLEL = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder)
define pytest_phase
$(PY) -m pytest $(1) $(PYTEST_ARGS) || { rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests ($(2))"; else exit $$rc; fi; }
endef

test: $(TEST_DEPS) lint ## every test suite (what CI runs): in parallel, then the slow ones alone
	$(call pytest_phase,$(PYTEST_PARALLEL) -m "not slow",not slow)
	$(call pytest_phase,-m slow,slow)

bench-router: $(VENV)/.stamp-dev ## router benchmark: AWS calls and cost per routed request
	$(PY) bench/router_bench.py

bench-scaling: $(VENV)/.stamp-sim ## every scenario x controller, medians over 3 seeds, a target sweep, cost-vs-p95 PNG (BENCH_ARGS=--quick)
	$(PY) bench/scaling_bench.py $(BENCH_ARGS)

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build
