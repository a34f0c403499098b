# MotCua: `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
export PICCOLO_CONF := backend.piccolo_conf
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test setup migrate demo translations extract-messages lint typecheck bench clean

run: setup migrate demo
	@$(BIN)/python -m backend.demo --print-accounts
	$(BIN)/granian --interface asgi --host $(HOST) --port $(PORT) backend.app:app

# Every leg of the suite: SQLite always; PostgreSQL and Chromium when present (required under CI=true).
test: setup
	@bash scripts/test.sh

setup: $(VENV)/.installed frontend/static/vendor/htmx.min.js translations

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

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
	$(BIN)/ruff check backend tests scripts bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: setup
	$(BIN)/python bench/page_weight.py

clean:
	rm -rf $(VENV) node_modules frontend/static/vendor .pytest_cache .mypy_cache .ruff_cache
