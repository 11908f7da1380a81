# The whole set-up is `make run` (serve the product) and `make test` (prove it).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1:8000

.PHONY: run demo serve test test-pg packages bench load lint deploy-check audit clean

# The suite on every core (pytest-xdist); the tests that start processes share one worker.
XDIST ?= -n auto --dist loadgroup

# Base install for serving; the test install adds the dev extras on top.
$(VENV)/.run: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: $(VENV)/.run
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

# axe-core and the Nu HTML checker for the browser tests, from the npm registry.
node_modules/.installed: Makefile
	npm install --no-save --no-package-lock --no-audit --no-fund axe-core@4.14.1 vnu-jar@26.9.27
	touch $@

# A random key for this checkout, never committed (var/ is ignored).
var/secret_key:
	mkdir -p var
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

run: $(VENV)/.run var/secret_key
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) load_plan 2021
	$(MANAGE) ensure_admin
	DEBUG=1 WORKER_PYTHON=$(BIN)/python scripts/with-worker $(MANAGE) runserver $(HOST)

# The production way: gunicorn (and the task worker beside it), whitenoise, JSON request logs. Set SECRET_KEY,
# ALLOWED_HOSTS, DATABASE_URL, HTTPS=1 … as README › Deployment says.
serve: export REQUEST_LOG ?= 1
serve: $(VENV)/.run var/secret_key
	$(MANAGE) check --deploy
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	WORKER_PYTHON=$(BIN)/python scripts/with-worker $(BIN)/gunicorn --config yicheng/gunicorn.py yicheng.wsgi

# Like run, on a separate database with a generated history: every page says "演示数据".
demo: export DATABASE_URL = sqlite:///$(CURDIR)/var/demo.sqlite3
demo: export MEDIA_ROOT = $(CURDIR)/var/demo-media
demo: $(VENV)/.run var/secret_key
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) load_plan 2021
	$(MANAGE) load_demo_city --accounts
	$(MANAGE) load_demo --accounts
	$(MANAGE) ensure_admin
	DEBUG=1 WORKER_PYTHON=$(BIN)/python scripts/with-worker $(MANAGE) runserver $(HOST)

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Production settings must pass Django's deployment checks without a warning.
deploy-check: $(VENV)/.run
	SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=tracker.example.gov.cn SITE_URL=https://tracker.example.gov.cn HTTPS=1 DEBUG=0 \
	$(MANAGE) check --deploy --fail-level WARNING

# Known vulnerabilities in the installed packages (needs PyPI's per-version JSON or
# api.osv.dev; see README › Security).
audit: $(VENV)/.test
	$(BIN)/pip-audit --strict --skip-editable

# The Debian packages the tests need (chromium, postgresql, redis-server, LibreOffice …),
# installed when missing if run as root with apt, else listed and their tests skipped.
packages:
	scripts/test-packages

test: packages $(VENV)/.test var/secret_key node_modules/.installed lint deploy-check
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) collectstatic --noinput --verbosity 0
	scripts/with-redis scripts/test-suite $(XDIST)

# The same suite on PostgreSQL: a throwaway cluster from Debian's postgresql package.
test-pg: packages $(VENV)/.test var/secret_key node_modules/.installed
	$(MANAGE) collectstatic --noinput --verbosity 0
	scripts/with-postgres scripts/with-redis scripts/test-suite $(XDIST)

# Speed at about 1,000 and 1.1 million reports (the databases are generated once into
# var/bench/, a few minutes), under load with gunicorn and wrk, and the page weight.
bench: $(VENV)/.test var/secret_key
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_uploads.py

# 60 s of wrk at 64 connections over the public pages and the API, against make serve's
# gunicorn on loopback: latency, throughput and errors.
load: $(VENV)/.test var/secret_key
	$(BIN)/python scripts/load.py

clean:
	rm -rf $(VENV) var/static
