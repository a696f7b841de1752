# munigraph: two commands on a fresh clone, `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MG     := $(BIN)/munigraph

.PHONY: venv test-venv run build test clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

test-venv: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Build the graph from data/, validate it, summarise it, and answer one example question.
run: venv
	$(MG) build
	$(MG) info
	@echo
	@echo "Example question: which partners do Koszalin and Trakai (Troki) have in common?"
	@echo "  munigraph query shared-partners --param a=Koszalin --param b=Troki"
	$(MG) query shared-partners --param a=Koszalin --param b=Troki

build: venv
	$(MG) build

test: test-venv
	$(BIN)/python -m pytest

clean:
	rm -rf .munigraph build dist src/*.egg-info .pytest_cache
