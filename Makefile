# Two commands do all the set-up: `make run` and `make test`. Both create .venv first.
# `make serve` runs the production server; docs/deployment.md says what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
UV_VERSION := 0.13.9

.PHONY: install lock run serve test bench clean

install: $(STAMP)

# Every package, the test extra's included, comes from the lock: pinned, and refused unless its
# hash matches. --clear rebuilds the venv so that packages dropped from the lock go too.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --require-hashes --only-binary :all: -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Refreshes requirements.lock after a change to pyproject.toml's dependencies, keeping the other pins;
# make lock LOCK_ARGS=--upgrade moves every pin to the newest release allowed. uv runs from a
# throwaway venv, so .venv holds exactly what the lock names.
lock:
	@tools=$$(mktemp -d) && trap 'rm -rf "$$tools"' EXIT && $(PYTHON) -m venv "$$tools" \
		&& "$$tools/bin/pip" install --quiet uv==$(UV_VERSION) \
		&& "$$tools/bin/uv" pip compile --quiet --universal --python-version 3.11 --extra test \
			--generate-hashes --custom-compile-command 'make lock' $(LOCK_ARGS) -o $(LOCK) pyproject.toml

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
