# Uppföljning av regionalt serviceprogram. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data
OUT    ?= outputs
YEAR   ?=

YEAR_ARGS := $(foreach y,$(YEAR),--year $(y))

.DEFAULT_GOAL := help
.PHONY: help setup report validate test lab bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  Variables: YEAR=2024 (one or more years), DATA=<datamapp>, OUT=<utdatamapp>"

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@

setup: $(STAMP) ## Create .venv, install the package, system packages and test tools
	@bash scripts/setup-system.sh test
	@if command -v npm >/dev/null 2>&1; then \
	  [ -f tests/browser/node_modules/axe-core/axe.min.js ] || (cd tests/browser && npm ci --no-audit --no-fund --silent); \
	else echo "npm saknas: webbläsartestet (axe-core) hoppas över"; fi

report: $(STAMP) ## Build the reports (HTML, PDF, indicators) of every year, or YEAR=...
	@bash scripts/setup-system.sh report
	$(BIN)/serviceprogram report --data-dir $(DATA) --out $(OUT) $(YEAR_ARGS)

validate: $(STAMP) ## Check the data folder and list every problem
	$(BIN)/serviceprogram validate --data-dir $(DATA) $(YEAR_ARGS)

test: setup ## Run the whole test suite (pytest + nbval)
	$(BIN)/python -m pytest

lab: $(STAMP) ## Open JupyterLab on notebooks/
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP) ## Print the benchmark figures (batch build and access analysis)
	$(BIN)/python scripts/bench_build.py
	$(BIN)/python scripts/bench_access.py
	$(BIN)/python scripts/bench_roads.py

clean: ## Remove built reports (keeps .venv)
	find $(OUT) -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
