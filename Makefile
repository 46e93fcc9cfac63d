# Two commands: `make run` starts the demo landscape, `make test` runs the whole suite.
# Both set everything up first (virtual environment in .venv, install, migrations).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup system-packages bytecode run test lint bench clean

# libyang (YANG validation of element configuration) is a C library the Python binding
# compiles against: installed from Debian's packages when missing and we may.
system-packages:
	@pkg-config --exists 'libyang >= 2.1' || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's libyang2-dev (C library for YANG validation)"; \
	    apt-get install -y -q libyang2-dev >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q libyang2-dev >/dev/null; }; \
	  else echo "Cadenza needs the libyang C library >= 2.1 with headers: install libyang2-dev (Debian/Ubuntu) or libyang-devel, then run make again" >&2; exit 1; fi; }

$(STAMP): pyproject.toml | system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Where PYTHONDONTWRITEBYTECODE is set (as on our CI machines) no process writes its bytecode, and
# every domain process and CLI command compiled Cadenza's few hundred modules again at start.
bytecode:
	@$(BIN)/python -m compileall -q -j 0 src tests >/dev/null

run: setup bytecode
	$(BIN)/cadenza landscape up

# Modules go whole to a worker (`--dist loadfile`), so the domains a module starts are shared by
# its tests; TEST_WORKERS=1 runs them one after the other. Three on two cores: the tests wait on
# domains more than they compute (two workers kept the cores 60 % busy and took 24 min, three 18).
# With 965 tests three took 21.7 min; with 1,057 four took 26 min while a benchmark ran beside them,
# with 39 of the 52 core-minutes used: the cores were still waiting, so four.
TEST_WORKERS ?= 4

test: setup bytecode
	$(BIN)/ruff check src tests
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: setup
	$(BIN)/ruff check src tests

bench: setup
	$(BIN)/cadenza bench presto

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache  # the state of running domains is in the Cadenza home (README)
