# kapot: every command the README shows is a target here. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= data/kapot.duckdb
LANG_UI ?= en
PORT ?= 8866

.DEFAULT_GOAL := help
.PHONY: help install demo serve status report lab test test-fast lint format bench clean fuzz

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install kapot with every dependency

demo: $(STAMP) ## generate demo data into data/kapot.duckdb, build, score, and serve the calculator on :8866
	$(BIN)/kapot --lang $(LANG_UI) demo --db $(DB)
	$(BIN)/kapot --lang $(LANG_UI) serve --db $(DB) --port $(PORT)

serve: $(STAMP) ## serve the calculator page (Voila, preheated kernels) on http://localhost:8866
	$(BIN)/kapot --lang $(LANG_UI) serve --db $(DB) --port $(PORT)

status: $(STAMP) ## summarise what the warehouse holds
	$(BIN)/kapot --lang $(LANG_UI) status --db $(DB)

report: $(STAMP) ## render the weekly report (WEEK=2026-W47, REGION=, MANAGER=; default: last complete week) into reports/<week>/
	$(BIN)/kapot --lang $(LANG_UI) report --db $(DB) $(if $(WEEK),--week $(WEEK)) $(if $(REGION),--region "$(REGION)") $(if $(MANAGER),--manager "$(MANAGER)")

lab: $(STAMP) ## open JupyterLab on notebooks/ (the segment explorer)
	KAPOT_DB=$(abspath $(DB)) $(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

test: $(STAMP) ## run the whole test suite (real data from ../shared/data/real when present)
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## run the tests not marked slow
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check kapot tests bench
	$(BIN)/ruff format --check kapot tests bench

format: $(STAMP) ## ruff format and autofix
	$(BIN)/ruff format kapot tests bench
	$(BIN)/ruff check --fix kapot tests bench

bench: $(STAMP) ## print speed and accuracy figures (ingest rows/s, synthetic 10M lines...)
	$(BIN)/python -m bench

FUZZ_EXAMPLES ?= 5000
fuzz: $(STAMP) ## property-based ingestion tests with many examples (FUZZ_EXAMPLES=5000)
	KAPOT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/test_ingest_properties.py -p no:cacheprovider --hypothesis-show-statistics

clean: ## remove the venv, caches and generated data (keeps data/raw)
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
	rm -f data/*.duckdb data/*.duckdb.*
