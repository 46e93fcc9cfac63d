# Two commands: `make run` starts the demo landscape, `make test` runs the whole suite.
# Both set everything up first (virtual environment in .venv, install, migrations).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/cadenza landscape up

test: setup
	$(BIN)/ruff check src tests
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check src tests

bench: setup
	$(BIN)/cadenza bench presto

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
