# Kotipiha: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export FLASK_APP := app:create_app

.PHONY: run dev test test-fast setup test-setup debian-packages assets translations db demo-data clean bench

# As in production: gunicorn with 2 workers (deploy/gunicorn.conf.py).
run: setup db demo-data
	@echo "Kotipiha: http://$(HOST):$(PORT)/ (gunicorn, 2 workers; Ctrl+C stops it)"
	SCHEDULER_ENABLED=$${SCHEDULER_ENABLED:-true} KOTIPIHA_BIND=$(HOST):$(PORT) \
	  $(BIN)/gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'

# For development: Flask's server, reloading on every change.
dev: setup db demo-data
	@echo "Kotipiha (development server): http://$(HOST):$(PORT)/"
	SCHEDULER_ENABLED=$${SCHEDULER_ENABLED:-true} $(BIN)/flask run --debug --host $(HOST) --port $(PORT)

# Tests run on every core (pytest-xdist); each pass prints how long it took.
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

test: setup test-setup
	@start=$$(date +%s); $(BIN)/python -m pytest -n $(WORKERS) $(PYTEST_ARGS); status=$$?; \
	  echo "== SQLite pass (with the browser journeys): $$(( $$(date +%s) - start )) s"; exit $$status
	@# The same suite (less the browser journeys) against a throw-away PostgreSQL server.
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "== again on PostgreSQL =="; start=$$(date +%s); \
	  tools/with_postgres.sh $(BIN)/python -m pytest -q -n $(WORKERS) --ignore=tests/journeys $(PYTEST_ARGS); \
	  status=$$?; echo "== PostgreSQL pass: $$(( $$(date +%s) - start )) s"; exit $$status; \
	else echo "PostgreSQL is not installed: the PostgreSQL pass is skipped"; fi

# The inner loop: SQLite only, no browser journeys (CI runs everything with `make test`).
test-fast: setup $(VENV)/.test
	@start=$$(date +%s); $(BIN)/python -m pytest -q -n $(WORKERS) --ignore=tests/journeys $(PYTEST_ARGS); \
	  status=$$?; echo "== fast pass: $$(( $$(date +%s) - start )) s"; exit $$status

setup: $(VENV)/.runtime assets translations

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.lock | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

$(VENV)/.test: requirements-test.lock $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-test.lock
	touch $@

# htmx (and axe-core for the tests) come from the npm registry, pinned by package-lock.json.
assets: node_modules/.installed static/vendor/htmx.min.js

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/htmx.min.js: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

translations: $(VENV)/.runtime
	$(BIN)/flask translate compile

# Journey tests drive Debian's Chromium (Playwright never downloads a browser here) and run
# the Nu HTML Checker on Debian's Java; the PostgreSQL pass needs Debian's postgresql. Both are installed when missing and root.
test-setup: $(VENV)/.test debian-packages

debian-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing from Debian's packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "Missing Debian packages:$$missing (install them; their tests are skipped)"; fi

db: setup
	$(BIN)/flask db upgrade

demo-data: db
	$(BIN)/flask push keys >/dev/null
	$(BIN)/flask demo-data --if-empty

bench: setup
	$(BIN)/python bench/schedule_year.py
	$(BIN)/python bench/calendar_throughput.py
	$(BIN)/python bench/billing_run.py
	$(BIN)/python bench/import_folder.py

clean:
	rm -rf $(VENV) node_modules static/vendor
