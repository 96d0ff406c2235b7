# Two commands do all the set-up: `make run` and `make test`. Both create .venv first.
# `make serve` runs the production server; docs/deployment.md says what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run serve test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	@bin/run-dev

# Settings come from the environment; migrations are an explicit step (flask --app wsgi db upgrade).
serve: install
	exec $(BIN)/python -m entrypoints.serving

test: install
	$(BIN)/ruff check src tests bench wsgi.py
	$(BIN)/python -m pytest

# Figures, not pass/fail (docs/benchmarks.md). wrk is installed when missing and we are root;
# otherwise bench/load.py's Python load generator is used. Options: make bench BENCH_ARGS="--help".
bench: install
	@command -v wrk > /dev/null || [ "$$(id -u)" != 0 ] || apt-get install -y -qq wrk > /dev/null 2>&1 \
		|| (apt-get update -qq > /dev/null && apt-get install -y -qq wrk > /dev/null) \
		|| echo "wrk could not be installed: using the Python load generator"
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
