# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make preview STACK=prod-eastus [JSON=plan.json]   offline preview of one stack (no cloud, no CLI)
#   make test                                         every check: lint, format, types, tests
PYTHON ?= python3
VENV   ?= venv
BIN    := $(VENV)/bin
STACK  ?= prod-eastus

.PHONY: preview test check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

preview: $(VENV)/.runtime
	$(BIN)/python -m offline preview --stack $(STACK) $(if $(JSON),--json $(JSON))

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(VENV)/.dev
	$(BIN)/python -m benchmarks.preview_bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
