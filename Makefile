# The two commands of the README: `make demo` and `make test`. Each creates .venv if it is
# missing and installs the project into it, so a fresh clone needs only Python 3.10+.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Reinstall when the project's metadata changes.
STAMP_TEST := $(VENV)/.installed-test
STAMP_DEMO := $(VENV)/.installed-demo

.PHONY: demo test lint typecheck pytest bench clean help

help:
	@echo "make demo   set up .venv and run the main job (chainrule train) on the built-in digits"
	@echo "make test   set up .venv and run ruff, mypy --strict and the whole test suite"
	@echo "make bench  compare speed and memory with micrograd (bench/)"
	@echo "make clean  remove .venv and generated files"

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

demo: $(STAMP_DEMO)
	$(BIN)/chainrule train

test: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP_TEST)
	$(BIN)/mypy

pytest: $(STAMP_TEST)
	$(BIN)/python -m pytest

bench: $(STAMP_TEST)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) out .mypy_cache .pytest_cache .ruff_cache .hypothesis
