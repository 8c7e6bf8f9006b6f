# Pronoia: two commands on a fresh machine.
#   make run   - set up everything and start the portal with demo data on http://127.0.0.1:8000
#   make test  - run the whole suite on SQLite, then on PostgreSQL when one is reachable
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_PERSONS ?= 10000
DEMO_SEED ?= 1
DEMO_COUNTRY ?= gr

.PHONY: run test static migrate demo eid-provider chromium fonts clean bench

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
	$(BIN)/pronoia notifications_templates_load
	$(BIN)/pronoia kb_import pronoia/contact/knowledge/gr --country gr --publish --if-empty

# The local OpenID Connect provider that stands in for eID (node-oidc-provider, pinned in its lock file).
eid-provider:
	npm --prefix eid-provider ci --no-audit --no-fund --loglevel=error

# Debian's Chromium for the end-to-end browser tests (Playwright never downloads a browser here) and
# poppler's pdfsig, the independent check of signed certificates.
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdfsig ] || [ ! -x /usr/bin/certutil ] || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils libnss3-tools fonts-dejavu-core; \
	  else \
	    echo "Chromium, pdfsig, certutil or the DejaVu fonts are missing: run 'sudo apt-get install chromium poppler-utils libnss3-tools fonts-dejavu-core' for the browser and signature tests (skipped without them, a failure with CI=true)."; \
	  fi; \
	fi

# DejaVu fonts: sealed documents print Greek, Cyrillic and Polish text (fonts-dejavu-core).
fonts:
	@if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core; \
	  else echo "The DejaVu fonts are missing: run 'sudo apt-get install fonts-dejavu-core' (or set PRONOIA_FONT_DIR) so documents can be issued."; fi; \
	fi

# bin/run-portal exports the demo eID accounts and starts the demo provider beside the portal.
run: static demo eid-provider fonts
	PRONOIA_DEMO=1 bin/run-portal

# bin/run-tests installs the eID provider (npm ci) before pytest.
test: $(VENV)/.dev chromium
	bin/run-tests

bench: $(VENV)/.dev
	bin/run-benchmarks

clean:
	rm -rf $(VENV) staticfiles frontend/node_modules eid-provider/node_modules
