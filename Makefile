# Threadline: the two set-up commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TL := $(VENV)/bin/threadline
DEMO_DIR ?= demo
DEMO_N ?= 50000
DEMO_SEED ?= 7

.PHONY: demo serve test lint typecheck bench clean help

help:
	@echo "make demo   create .venv, generate a synthetic corpus, run the pipeline, show the result"
	@echo "make test   install dev dependencies and run the whole suite (lint, types, tests)"
	@echo "make serve  serve the pages over the demo workspace and the API on 127.0.0.1:8000"
	@echo "            (make demo SERVE=1 ends by serving)"
	@echo "make bench  run the benchmarks in bench/ (prints throughput, memory, baseline ratio)"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[api]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	mkdir -p $(DEMO_DIR)
	rm -f $(DEMO_DIR)/workspace.duckdb $(DEMO_DIR)/workspace.duckdb.wal
	$(TL) synth --n $(DEMO_N) --seed $(DEMO_SEED) --out $(DEMO_DIR)/posts.jsonl --truth $(DEMO_DIR)/truth.json
	$(TL) ingest $(DEMO_DIR)/posts.jsonl --workspace $(DEMO_DIR)/workspace.duckdb
	$(TL) analyze --workspace $(DEMO_DIR)/workspace.duckdb
	$(TL) evaluate extract --posts $(DEMO_DIR)/posts.jsonl --truth $(DEMO_DIR)/truth.json --limit 20000
	$(TL) summary --workspace $(DEMO_DIR)/workspace.duckdb
	$(TL) clusters --workspace $(DEMO_DIR)/workspace.duckdb --top 10
	$(TL) evaluate screening --posts $(DEMO_DIR)/posts.jsonl --truth $(DEMO_DIR)/truth.json
	$(TL) evaluate networks --workspace $(DEMO_DIR)/workspace.duckdb --truth $(DEMO_DIR)/truth.json
	$(TL) networks --workspace $(DEMO_DIR)/workspace.duckdb --top 10
	$(TL) report --workspace $(DEMO_DIR)/workspace.duckdb --out $(DEMO_DIR)/leads.html
	@if [ -n "$(SERVE)" ]; then $(MAKE) --no-print-directory serve; fi

serve: $(VENV)/.installed
	mkdir -p $(DEMO_DIR)
	rm -f $(DEMO_DIR)/app.sqlite
	@echo "demo sign-in (a fresh one-time password on every make serve):"
	$(TL) users add demo --role admin --db $(DEMO_DIR)/app.sqlite
	@echo "open http://127.0.0.1:8000/ and sign in as demo"
	$(TL) serve --host 127.0.0.1 --port 8000 --db $(DEMO_DIR)/app.sqlite $(if $(wildcard $(DEMO_DIR)/workspace.duckdb),--workspace $(DEMO_DIR)/workspace.duckdb)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy

test: $(VENV)/.installed-dev lint typecheck
	$(PY) -m pytest -n 2 -q

bench: $(VENV)/.installed-dev
	$(PY) bench/ingest_extract.py

clean:
	rm -rf $(DEMO_DIR) build dist .pytest_cache .mypy_cache .ruff_cache
