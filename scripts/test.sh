#!/usr/bin/env bash
# The whole suite: unit, integration and end-to-end on SQLite, then the database-facing tests again on
# PostgreSQL. Media tests make their own network namespaces (root) and remove them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=(.venv/bin/pytest -p no:cacheprovider)
echo "== unit, integration and end-to-end tests (SQLite)"
"${PYTEST[@]}" tests
echo "== integration tests (PostgreSQL)"
scripts/with-postgres.sh "${PYTEST[@]}" -m postgres tests/integration
