# Kejiao 2030 — one entry point for people and CI.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
export KEJIAO_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(KEJIAO_DATA_DIR)/dagster_home
# The tests start many Python processes (xdist workers, parse workers, the CLI under test): each
# compiles every module it imports again unless it may keep the bytecode (git-ignored __pycache__).
# Measured with PYTHONDONTWRITEBYTECODE=1 set, as some shells do: collecting the fast tier 11.4 s
# of CPU per process, 4.3 s without; a parse worker's start 0.48 s, 0.18 s without.
TESTS_KEEP_BYTECODE := env -u PYTHONDONTWRITEBYTECODE
PORT ?= 8501

.PHONY: install system-deps demo test check dev dashboard seeds lint bench bench-load bench-latency clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]'
	touch $@

install: $(BIN)/.installed

## Load the demo reports, materialize everything, start the dashboard.
demo: install
	KEJIAO_DEMO=1 $(BIN)/kejiao materialize
	@echo "仪表盘 Dashboard: http://127.0.0.1:$(PORT)  (Ctrl-C 停止 to stop)"
	KEJIAO_DEMO=1 $(BIN)/streamlit run dashboards/streamlit_app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

## Create the environment and run the whole test suite.
test: install system-deps
	$(TESTS_KEEP_BYTECODE) $(BIN)/python -m pytest -q -n 2 --dist loadfile

## The fast tier, on every change: lint (ruff + the layers contracts) and the tests that need no
## browser (Chromium) and no full demo run, Dagster daemon or PostgreSQL (pytest markers `browser`,
## `slow`; CI runs `make test`).
check: lint
	$(TESTS_KEEP_BYTECODE) $(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not browser and not slow"

system-deps:
	bash scripts/system-deps.sh

## Dagster UI and daemon over the demo inbox: the inbox sensor picks the files up, schedules run
## in Tianjin time, runs queue one warehouse writer at a time (dagster.yaml). UI: 127.0.0.1:3000.
dev: install
	mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	@if [ -d seeds/demo/inbox ] && [ -z "$$(ls -A $(KEJIAO_DATA_DIR)/inbox 2>/dev/null)" ]; then \
	  $(BIN)/python -c 'import sys; from pathlib import Path; from pipelines.demo.generator import stage; \
	    print("演示报表 demo reports staged:", stage(Path("seeds/demo"), Path(sys.argv[1])))' $(KEJIAO_DATA_DIR)/inbox; \
	fi
	KEJIAO_DEMO=1 $(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

dashboard: install
	KEJIAO_DEMO=1 $(BIN)/streamlit run dashboards/streamlit_app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

## Regenerate the committed demo inbox under seeds/demo (deterministic).
seeds: install
	$(BIN)/kejiao demo-data --out seeds/demo

## ruff, then the layers contracts of pyproject.toml ([tool.importlinter]: the package graph is the data's walk).
lint: install
	$(BIN)/ruff check pipelines dashboards warehouse tests benchmarks
	$(BIN)/lint-imports --no-cache

## Benchmarks at city and national scale (issue #6): benchmarks/results/latest.{md,json}.
## Datasets are generated once per size into benchmarks/data/ (git-ignored) and reused.
SIZES ?= 1500,15000,150000
$(BIN)/.bench-installed: $(BIN)/.installed pyproject.toml
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev,bench]'
	touch $@

bench: install $(BIN)/.bench-installed
	$(BIN)/python -m benchmarks.run --sizes $(SIZES)
	$(BIN)/python -m benchmarks.load --viewers $(LOAD_VIEWERS) --processes $(LOAD_PROCESSES)
	$(BIN)/python -m benchmarks.latency --sizes $(SIZES)

## Many readers at once (issue 15): K concurrent signed-in viewers of the dashboard, at the protocol
## level, with 1 and 2 Streamlit processes: benchmarks/results/load-latest.{md,json} (~15 min).
LOAD_VIEWERS ?= 10,25,50,100
LOAD_PROCESSES ?= 1,2
bench-load: install $(BIN)/.bench-installed
	$(BIN)/python -m benchmarks.load --viewers $(LOAD_VIEWERS) --processes $(LOAD_PROCESSES)

## A file saved into the inbox while the Dagster daemon runs (as under `make dev`), to its figure in
## the snapshot the dashboard reads, three files a size: benchmarks/results/latency-latest.{md,json}.
bench-latency: install $(BIN)/.bench-installed
	$(BIN)/python -m benchmarks.latency --sizes $(SIZES)

clean:
	rm -rf $(KEJIAO_DATA_DIR) .pytest_cache
