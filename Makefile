# Two commands do all the set-up: `make run` and `make test`. Both create .venv first.
# `make serve` runs the production server; docs/deployment.md says what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run serve test clean

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
	exec $(BIN)/gunicorn --config gunicorn.conf.py

test: install
	$(BIN)/ruff check src tests wsgi.py
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
