# Uppföljning av regionalt serviceprogram. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data
OUT    ?=
YEAR   ?=
TEST_JOBS ?= 2

YEAR_ARGS := $(foreach y,$(YEAR),--year $(y))
# Without OUT: data/ builds into outputs/, any other DATA=/x/NAME into /x/NAME-rapporter.
OUT_ARGS  := $(if $(OUT),--out $(OUT))

.DEFAULT_GOAL := help
.PHONY: help setup report validate lint test lab bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  Variables: YEAR=2024 (one or more years), DATA=<datamapp>, OUT=<utdatamapp>, TEST_JOBS=2 (processer för make test)"
	@echo "  Utan OUT: data/ byggs till outputs/, en annan DATA=/x/NAMN till /x/NAMN-rapporter (aldrig i datamappen)."

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	@bash scripts/git-notebook-filter.sh
	touch $@

setup: $(STAMP) ## Create .venv, install the package, system packages and test tools
	@bash scripts/setup-system.sh test
	@if command -v npm >/dev/null 2>&1; then \
	  [ -f tests/browser/node_modules/axe-core/axe.min.js ] || (cd tests/browser && npm ci --no-audit --no-fund --silent); \
	else echo "npm saknas: webbläsartestet (axe-core) hoppas över"; fi

report: $(STAMP) ## Build the reports (HTML, PDF, indicators) of every year, or YEAR=...
	@bash scripts/setup-system.sh report
	$(BIN)/serviceprogram report --data-dir $(DATA) $(OUT_ARGS) $(YEAR_ARGS)

validate: $(STAMP) ## Check the data folder and list every problem
	$(BIN)/serviceprogram validate --data-dir $(DATA) $(YEAR_ARGS)

lint: $(STAMP) ## Check the code with ruff (pyflakes, import order, pyupgrade)
	$(BIN)/ruff check lib tests scripts

test: setup lint ## Run the lint gate and the whole test suite (pytest + nbval, TEST_JOBS processes)
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile

lab: $(STAMP) ## Open JupyterLab on notebooks/ (outputs never reach git: see README)
	@bash scripts/git-notebook-filter.sh
	@mkdir -p $(VENV)/share/jupyter/lab/settings $(VENV)/etc/jupyter
	@# no news or update pop-ups; the notebook's kernel (python3) starts without a "Select Kernel" dialog
	@echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false},' \
	  '"@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": true}}' \
	  > $(VENV)/share/jupyter/lab/settings/overrides.json
	@# save the notebooks in their stored form (serviceprogram.build.notebook_store); the kernel
	@# websocket pinged every 90 s with 90 s to answer (jupyter_server's default timeout is longer
	@# than its interval, and tornado warns about that on every start)
	@echo '{"ContentsManager": {"pre_save_hook": "serviceprogram.build.notebook_store.pre_save"},' \
	  '"ServerApp": {"tornado_settings": {"ws_ping_interval": 90000, "ws_ping_timeout": 90000}}}' \
	  > $(VENV)/etc/jupyter/jupyter_server_config.json
	@$(BIN)/jupyter trust notebooks/*.ipynb > /dev/null
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --MappingKernelManager.default_kernel_name=python3 $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

bench: $(STAMP) ## Print the benchmark figures (batch build, access analysis, input validation, roads, a year of 100 000 decisions)
	$(BIN)/python scripts/bench_build.py
	$(BIN)/python scripts/bench_access.py
	$(BIN)/python scripts/bench_input.py
	$(BIN)/python scripts/bench_roads.py
	$(BIN)/python scripts/bench_large.py

clean: ## Remove the reports the tool built (keeps .venv and every file the tool did not make)
	$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) scripts/clean_outputs.py $(or $(OUT),outputs)
