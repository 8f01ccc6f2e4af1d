# The two commands of the README: `make demo` and `make test`. Each creates .venv if it is
# missing and installs the project into it, so a fresh clone needs only Python 3.10+.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Reinstall when the project's metadata changes.
STAMP_TEST := $(VENV)/.installed-test
STAMP_DEMO := $(VENV)/.installed-demo

.PHONY: help demo test lint fmt typecheck pytest bench figures clean

# `make help` prints the `## ` text of every target below, so the list cannot fall behind.
help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z]+):.*## (.*)/make \1\t\2/' | expand -t 16

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "chainrule needs Python 3.10 or newer; run: make PYTHON=python3.x ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

$(STAMP_DEMO): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	@touch $@

demo: $(STAMP_DEMO) ## set up .venv and run the main job (chainrule train) on the built-in digits
	$(BIN)/chainrule train

test: $(STAMP_TEST) ## set up .venv and run ruff, ruff format --check, mypy --strict and pytest
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP_TEST) ## ruff check and ruff format --check only
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP_TEST) ## rewrite the code in the project's format (ruff format, ruff check --fix)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP_TEST) ## mypy --strict only
	$(BIN)/mypy

pytest: $(STAMP_TEST) ## the test suite only
	$(BIN)/python -m pytest

bench: $(STAMP_TEST) ## compare speed and memory with micrograd (bench/)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run --write

figures: $(STAMP_TEST) ## measure the README's other figures (demo, explorer, make test) and rewrite them
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.figures --all --write

clean: ## remove .venv and generated files
	rm -rf $(VENV) out .mypy_cache .pytest_cache .ruff_cache .hypothesis
