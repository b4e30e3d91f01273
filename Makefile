# The single interface for people and CI. `make demo` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DATA := data
SCALE ?= 1
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := False
export DAGSTER_HOME := $(CURDIR)/$(DATA)/dagster_home

.PHONY: install demo lint test test-fast explore dev serve bench browser clean

# Creates .venv and installs the project with every dependency pinned (constraints.txt),
# then parses the dbt project once so Dagster can load its manifest.
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is needed (set PY=...)"; exit 1; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	mkdir -p $(DAGSTER_HOME) && touch $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/scr-warehouse prepare
	touch $@

# Headless Debian Chromium for the browser tests and PNG export (needs root and apt). Without it the browser tests
# fail (tests/conftest.py), unless SCR_SKIP_BROWSER=1 is set on a machine that cannot have it.
browser:
	@if [ -x /usr/bin/chromium ]; then echo "chromium present: /usr/bin/chromium"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null) \
	  || echo "WARNING: could not install chromium; browser tests will fail (SCR_SKIP_BROWSER=1 skips them)"; \
	else echo "WARNING: no chromium and no root to install it; browser tests will fail (SCR_SKIP_BROWSER=1 skips them)"; fi

# Generates the synthetic national dataset, builds everything, writes release, quality outputs, report.
demo: install
	rm -rf $(DATA)/demo
	$(BIN)/scr-warehouse generate --out $(DATA)/demo/landing --seed 2009 --scale $(SCALE)
	$(BIN)/scr-warehouse build --landing $(DATA)/demo/landing --warehouse $(DATA)/demo/warehouse.duckdb \
	  --release $(DATA)/demo/release --as-of 2018-06-30
	$(BIN)/scr-warehouse docs --warehouse $(DATA)/demo/warehouse.duckdb --out $(DATA)/demo/release/docs
	@echo; echo "Demo written under $(DATA)/demo:"; \
	 echo "  warehouse: $(DATA)/demo/warehouse.duckdb"; \
	 echo "  release:   $(DATA)/demo/release (published), $(DATA)/demo/release/restricted (unsuppressed)"; \
	 echo "  quality:   $(DATA)/demo/release/quality (stewards' queue, chase lists, Data Docs)"; \
	 echo "  report:    $$(ls $(DATA)/demo/release/report/*.html 2>/dev/null | head -1)"; \
	 echo "  dbt docs:  $(DATA)/demo/release/docs/index.html"

# ruff on the Python (rules in pyproject.toml), sqlfluff on the dbt models (.sqlfluff: duckdb dialect, offline jinja
# templater). Both come with the test extras, so `install` brings them. `make test` runs it first.
lint: install
	$(BIN)/ruff check orchestration dashboards tests tools
	$(BIN)/sqlfluff lint dbt_project/models --processes 2

test: install lint browser
	$(BIN)/scr-warehouse prepare
	$(BIN)/pytest -q -n 2 --dist loadfile tests

# The quick suite while working: everything but the browser tests and the whole-graph builds (marked slow), and no
# lint; it needs no Chromium (SCR_SKIP_BROWSER=1: a PNG export test skips instead of failing).
test-fast: install
	SCR_SKIP_BROWSER=1 $(BIN)/pytest -q -n 2 --dist loadfile -m "not browser and not slow" tests

explore: install
	$(BIN)/scr-warehouse explore --warehouse $(DATA)/demo/warehouse.duckdb --release $(DATA)/demo/release

# Dagster UI on http://localhost:3000 (same asset graph as `scr-warehouse build`).
dev: install
	SCR_LANDING=$(CURDIR)/$(DATA)/demo/landing SCR_WAREHOUSE=$(CURDIR)/$(DATA)/demo/warehouse.duckdb \
	SCR_RELEASE=$(CURDIR)/$(DATA)/demo/release $(BIN)/dagster dev -m scr_warehouse.definitions -h 127.0.0.1 -p 3000

# Unattended (docs/running_on_a_server.md): the Dagster UI on http://$(SERVE_HOST):$(SERVE_PORT) and the daemon, on
# the persistent instance in $(DAGSTER_HOME) (dagster.yaml from config/dagster.yaml: one run at a time, a failed run
# retried once), with the landing sensor (intake) and the annual and quarterly schedules (publish) running and
# failed runs written to $(DAGSTER_HOME)/failures.log. Their output: $(DAGSTER_HOME)/serve_logs/ (not logs/: Dagster
# empties that folder). Ctrl-C, or SIGINT/SIGTERM to this shell, stops both. SCR_LANDING, SCR_WAREHOUSE and
# SCR_RELEASE choose the folders (default: the demo's).
SERVE_HOST ?= 127.0.0.1
SERVE_PORT ?= 3000
SCR_LANDING ?= $(CURDIR)/$(DATA)/demo/landing
SCR_WAREHOUSE ?= $(CURDIR)/$(DATA)/demo/warehouse.duckdb
SCR_RELEASE ?= $(CURDIR)/$(DATA)/demo/release
SERVE_LOGS = $(DAGSTER_HOME)/serve_logs
serve: install
	@mkdir -p $(SERVE_LOGS)
	@if [ ! -s $(DAGSTER_HOME)/dagster.yaml ]; then cp config/dagster.yaml $(DAGSTER_HOME)/dagster.yaml; \
	   echo "wrote $(DAGSTER_HOME)/dagster.yaml (from config/dagster.yaml)"; \
	 elif ! cmp -s config/dagster.yaml $(DAGSTER_HOME)/dagster.yaml; then \
	   echo "keeping $(DAGSTER_HOME)/dagster.yaml: it differs from config/dagster.yaml (compare them after an update)"; fi
	@$(BIN)/dagster instance migrate >/dev/null  # storage made once, before two processes open it
	@set -m; \
	 export SCR_AUTOMATION=on SCR_LANDING="$(SCR_LANDING)" SCR_WAREHOUSE="$(SCR_WAREHOUSE)" SCR_RELEASE="$(SCR_RELEASE)" \
	   SCR_DAGSTER_URL="$${SCR_DAGSTER_URL:-http://$(SERVE_HOST):$(SERVE_PORT)}"; \
	 $(BIN)/dagster-daemon run -m scr_warehouse.definitions >>$(SERVE_LOGS)/daemon.log 2>&1 & daemon=$$!; \
	 $(BIN)/dagster-webserver -m scr_warehouse.definitions -h $(SERVE_HOST) -p $(SERVE_PORT) \
	   >>$(SERVE_LOGS)/webserver.log 2>&1 & web=$$!; \
	 echo "$$daemon $$web" > $(DAGSTER_HOME)/serve.pids; \
	 signalled=; trap 'signalled=1' INT TERM; \
	 echo "Dagster UI:    http://$(SERVE_HOST):$(SERVE_PORT) (jobs intake and publish; each run says what started it)"; \
	 echo "instance:      $(DAGSTER_HOME) (runs, sensor and schedule state); output in $(SERVE_LOGS)/"; \
	 echo "failed runs:   $${SCR_FAILURE_LOG:-$(DAGSTER_HOME)/failures.log}$${SCR_SMTP_HOST:+ and mail via $$SCR_SMTP_HOST}"; \
	 echo "landing:       $(SCR_LANDING) (watched: a new or changed file starts intake)"; \
	 echo "Ctrl-C stops both (pids of their process groups: $(DAGSTER_HOME)/serve.pids)"; \
	 wait -n; \
	 if [ -n "$$signalled" ]; then echo "stopping the Dagster daemon and UI"; \
	 else echo "the Dagster daemon or UI stopped by itself (see $(SERVE_LOGS)/): stopping the other"; fi; \
	 kill -INT -- -$$daemon -$$web 2>/dev/null; wait $$daemon $$web 2>/dev/null; \
	 for i in $$(seq 20); do kill -0 -- -$$daemon 2>/dev/null || kill -0 -- -$$web 2>/dev/null || break; sleep 1; done; \
	 kill -KILL -- -$$daemon -$$web 2>/dev/null; rm -f $(DAGSTER_HOME)/serve.pids; \
	 [ -n "$$signalled" ]

# Benchmark (development tooling in tools/bench, not shipped): SCALES=1,10,100 by default; REPEAT runs of each.
SCALES ?= 1,10,100
REPEAT ?= 2
bench: install
	$(BIN)/pip install -q -c constraints.txt -e '.[bench]'
	$(BIN)/python tools/bench/bench.py bench --scales $(SCALES) --repeat $(REPEAT)

clean:
	rm -rf $(DATA) dbt_project/target dbt_project/logs test-output
