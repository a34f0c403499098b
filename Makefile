# MotCua: `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# The app derives its default BASE_URL (receipt links and QR codes) from PORT.
export PORT
export PICCOLO_CONF := backend.piccolo_conf
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test setup lock migrate demo translations extract-messages lint typecheck bench clean

run: setup migrate demo
	@$(BIN)/python -m backend.demo --print-accounts
	$(BIN)/granian --interface asgi --host $(HOST) --port $(PORT) backend.app:app

# Every leg of the suite: SQLite always; PostgreSQL and Chromium when present (required under CI=true).
test: setup
	@bash scripts/test.sh

setup: $(VENV)/.installed frontend/static/vendor/htmx.min.js translations

# Python packages come from the lock (exact versions and hashes: README, "Dependencies"), then the
# project itself, editable and without dependencies; check_lock.py refuses a lock that no longer
# matches pyproject.toml.
$(VENV)/.installed: pyproject.toml requirements.lock requirements-test.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python scripts/check_lock.py
	@touch $@

# After changing the dependencies in pyproject.toml: `make lock`, then `make setup`. Pins that
# still fit are kept; newer releases: `make lock LOCK_FLAGS=--upgrade` (or
# LOCK_FLAGS="--upgrade-package pillow"). uv resolves for every Python >= 3.11 and platform at once
# (--universal), so the same files serve a laptop, CI and the image. requirements.lock (the image)
# is held to the versions of requirements-test.lock (what the tests ran).
LOCK_FLAGS ?=
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --generate-hashes --quiet \
	--custom-compile-command "make lock" $(LOCK_FLAGS)
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/pip install --quiet "$$(grep -o '^uv==[^ ]*' requirements-test.lock)"
	$(UV_COMPILE) --extra test -o requirements-test.lock
	$(UV_COMPILE) -c requirements-test.lock -o requirements.lock

# Third-party front-end code comes from npm at the pinned version and is never committed.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

frontend/static/vendor/htmx.min.js: node_modules/.package-lock.json
	@mkdir -p frontend/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js frontend/static/vendor/htmx.min.js

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile --statistics -d backend/translations -D messages

# After changing user-facing text: extract, then translate the new entries in the .po file.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ -o backend/translations/messages.pot .
	$(BIN)/pybabel update -i backend/translations/messages.pot -d backend/translations -D messages --no-fuzzy-matching

migrate: setup
	$(BIN)/piccolo migrations forwards all

demo: migrate
	$(BIN)/python -m backend.demo

lint: setup
	$(BIN)/python scripts/check_lock.py
	$(BIN)/ruff check backend tests scripts bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: setup
	$(BIN)/python bench/page_weight.py

clean:
	rm -rf $(VENV) node_modules frontend/static/vendor .pytest_cache .mypy_cache .ruff_cache
