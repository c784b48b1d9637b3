# scgraph — every target installs what it needs first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STORE ?= .scgraph
OUT ?= out

.PHONY: demo test lint bench docs install install-test system-deps clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Java runs the HermiT reasoner (owlready2) in tests and `scgraph reason`; Chromium runs the
# browser tests of the views; curl and Virtuoso serve the endpoint tests (the Oxigraph
# server comes from PyPI with the test extras).
system-deps:
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing a Java runtime (for the HermiT reasoner)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || { \
	  echo "installing Chromium (for the browser tests of the views)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }
	@command -v curl >/dev/null 2>&1 || { \
	  echo "installing curl (the SPARQL endpoint tests query with it)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl; }
	@command -v virtuoso-t >/dev/null 2>&1 || { \
	  echo "installing Virtuoso (a SPARQL engine the integration tests run against)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource; }

install: $(VENV)/bin/activate
	$(PIP) install --quiet .

install-test: $(VENV)/bin/activate system-deps
	$(PIP) install --quiet '.[test]'

demo: install
	rm -rf $(STORE)
	$(VENV)/bin/scgraph ingest --store $(STORE) data/mpsc
	$(VENV)/bin/scgraph stats --store $(STORE)
	$(VENV)/bin/scgraph viz --store $(STORE) --view overview --out $(OUT)/views/overview.html
	$(VENV)/bin/scgraph viz --store $(STORE) --view network --out $(OUT)/views/network.html
	$(VENV)/bin/scgraph report --store $(STORE) --out $(OUT)/report

lint: install-test
	$(VENV)/bin/validate-pyproject pyproject.toml
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

test: install-test lint
	$(VENV)/bin/python -m pytest --durations=25

# HTML documentation of the ontology (pyLODE) and the core-class diagram, in docs/html/.
docs: $(VENV)/bin/activate
	$(PIP) install --quiet '.[docs]'
	$(PY) -m scgraph.ontology_docs docs/html

bench: install-test
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) $(STORE) $(OUT) docs/html build dist .pytest_cache .mypy_cache .ruff_cache
