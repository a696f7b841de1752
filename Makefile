# munigraph: two commands on a fresh clone, `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MG     := $(BIN)/munigraph

# The query editor's assets: YASGUI from npm, pinned, unpacked into an ignored folder and served by the app itself
# (never from a CDN). Without npm the install goes on and /sparql offers a plain form instead.
YASGUI_VERSION := 4.6.2
YASGUI_SHA256  := 6520cdd256a4003e8d45865e0d631b6456b88a0e6b65f4f3e56d78a25d74c9a7
YASGUI_DIR     := src/munigraph/web/static/vendor/yasgui
YASGUI_STAMP   := $(YASGUI_DIR)/.version-$(YASGUI_VERSION)

.PHONY: venv test-venv run build test clean yasgui bench bench-network

venv: $(VENV)/.installed yasgui

yasgui: $(YASGUI_STAMP)

$(YASGUI_STAMP):
	@set -e; \
	if ! command -v npm >/dev/null 2>&1; then \
	  echo "note: npm not found; the query editor at /sparql will be a plain form (install npm and run 'make yasgui' for YASGUI)"; \
	  exit 0; \
	fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "fetching @zazuko/yasgui@$(YASGUI_VERSION) from the npm registry"; \
	if ! tarball=$$(cd "$$tmp" && npm pack --silent --ignore-scripts @zazuko/yasgui@$(YASGUI_VERSION)); then \
	  echo "note: npm could not fetch @zazuko/yasgui@$(YASGUI_VERSION); the query editor at /sparql will be a plain form"; \
	  exit 0; \
	fi; \
	echo "$(YASGUI_SHA256)  $$tmp/$$tarball" | sha256sum -c --status - \
	  || { echo "error: $$tarball does not have the pinned SHA-256 $(YASGUI_SHA256)" >&2; exit 1; }; \
	tar -xzf "$$tmp/$$tarball" -C "$$tmp" package/package.json package/build/yasgui.min.js package/build/yasgui.min.css; \
	rm -rf $(YASGUI_DIR); mkdir -p $(YASGUI_DIR); \
	cp "$$tmp/package/build/yasgui.min.js" "$$tmp/package/build/yasgui.min.css" "$$tmp/package/package.json" $(YASGUI_DIR)/; \
	touch $@; \
	echo "YASGUI $(YASGUI_VERSION) installed in $(YASGUI_DIR)"

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

test-venv: venv $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

HOST ?= 127.0.0.1
PORT ?= 8000

# Build the graph from data/, validate it, summarise it, answer one example question, then serve it.
run: venv
	$(MG) build
	$(MG) info
	@echo
	@echo "Example question: which partners do Koszalin and Trakai (Troki) have in common?"
	@echo "  munigraph query shared-partners --param a=Koszalin --param b=Troki"
	$(MG) query shared-partners --param a=Koszalin --param b=Troki
	@echo
	@echo "Serving on http://$(HOST):$(PORT)/ (SPARQL at /sparql, pages under /id/, named queries under /api/); Ctrl-C stops."
	$(MG) serve --host $(HOST) --port $(PORT)

build: venv
	$(MG) build

# The benchmark: size M by default (BENCH_SIZE=L for the large one), against the plain rdflib stack,
# rdflib-endpoint and the Oxigraph server in the same run; writes benchmarks/RESULTS.md (and RESULTS.json).
BENCH_SIZE ?= M
bench: test-venv
	$(BIN)/python benchmarks/bench.py --size $(BENCH_SIZE) --out benchmarks/RESULTS.md $(BENCH_ARGS)

# The network commands on a synthetic network of 100,000 local governments and 150,000 partnerships.
bench-network: venv
	$(BIN)/python benchmarks/network_scale.py --out benchmarks/NETWORK.md

test: test-venv
	$(BIN)/python -m pytest

clean:
	rm -rf .munigraph build dist src/*.egg-info .pytest_cache $(YASGUI_DIR)
