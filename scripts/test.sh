#!/usr/bin/env bash
# The whole suite: lint, then every test on SQLite, then again on PostgreSQL.
# A leg whose service is missing is skipped with a visible line, except under CI=true,
# where it is a failure (tests/browser does the same for Chromium).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_TEST_URL=${PG_TEST_URL:-postgresql://postgres@127.0.0.1:5432/test}
failed=0

echo "== lint (ruff)"
$BIN/ruff check backend tests scripts bench || failed=1
echo "== types (mypy)"
$BIN/mypy || failed=1
echo "== layers (import-linter: pyproject.toml [tool.importlinter])"
$BIN/lint-imports --no-cache || failed=1

echo "== tests on SQLite"
$BIN/pytest "$@" || failed=1

echo "== tests on PostgreSQL ($PG_TEST_URL)"
if $BIN/python scripts/pg_ready.py "$PG_TEST_URL"; then
  TEST_DATABASE_URL=$PG_TEST_URL $BIN/pytest "$@" || failed=1
elif [ "${CI:-}" = "true" ]; then
  echo "FAILED: PostgreSQL is required under CI=true and is not reachable at $PG_TEST_URL"
  failed=1
else
  echo "SKIPPED: PostgreSQL leg (no server at $PG_TEST_URL)"
fi
exit $failed
