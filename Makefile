# Kejiao 2030 — one entry point for people and CI.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
export KEJIAO_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(KEJIAO_DATA_DIR)/dagster_home
PORT ?= 8501

.PHONY: install system-deps demo test dev dashboard seeds lint bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]'
	touch $@

install: $(BIN)/.installed

## Load the demo reports, materialize everything, start the dashboard.
demo: install
	$(BIN)/kejiao materialize
	@echo "仪表盘 Dashboard: http://127.0.0.1:$(PORT)  (Ctrl-C 停止 to stop)"
	$(BIN)/streamlit run dashboards/streamlit_app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

## Create the environment and run the whole test suite.
test: install system-deps
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

system-deps:
	bash scripts/system-deps.sh

## Dagster UI and daemon over the demo inbox.
dev: install
	mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

dashboard: install
	$(BIN)/streamlit run dashboards/streamlit_app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

## Regenerate the committed demo inbox under seeds/demo (deterministic).
seeds: install
	$(BIN)/kejiao demo-data --out seeds/demo

lint: install
	$(BIN)/ruff check pipelines dashboards warehouse tests benchmarks

clean:
	rm -rf $(KEJIAO_DATA_DIR) .pytest_cache
