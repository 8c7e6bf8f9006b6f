# Pronoia: two commands on a fresh machine.
#   make run   - set up everything and start the portal with demo data on http://127.0.0.1:8000
#   make test  - run the whole suite on SQLite, then on PostgreSQL when one is reachable
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_PERSONS ?= 10000
DEMO_SEED ?= 1
DEMO_COUNTRY ?= gr

.PHONY: run test static migrate demo clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: $(BIN)/python requirements.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Static assets: the de-branded GOV.UK Frontend design system compiled with Sass from npm.
static: $(VENV)/.runtime
	npm --prefix frontend ci --no-audit --no-fund --loglevel=error
	npm --prefix frontend run --silent build
	$(BIN)/pronoia collectstatic --noinput --verbosity 0

migrate: $(VENV)/.runtime
	$(BIN)/pronoia migrate --noinput --verbosity 0

demo: migrate
	$(BIN)/pronoia demo_generate --persons $(DEMO_PERSONS) --seed $(DEMO_SEED) --country $(DEMO_COUNTRY) --if-empty

run: static demo
	PRONOIA_DEMO=1 bin/run-portal

test: $(VENV)/.dev
	bin/run-tests

bench: $(VENV)/.dev
	bin/run-benchmarks

clean:
	rm -rf $(VENV) staticfiles frontend/node_modules
