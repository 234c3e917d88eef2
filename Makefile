# Summitry: `make demo` and `make test` do everything on a fresh Debian 12 machine (as root).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/summitry/static/vendor

.PHONY: install system python node vendor messages demo serve test test-unit test-integration test-e2e test-js lint bench clean

install: system python node vendor messages

system:
	@bash scripts/install-system.sh

python: $(VENV)/.installed
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

vendor: node
	mkdir -p $(VENDOR)
	cp node_modules/janus-gateway/dist/janus.es.js $(VENDOR)/janus.es.js
	cp node_modules/webrtc-adapter/out/adapter.js $(VENDOR)/adapter.js
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js

messages: python
	cd src/summitry && ../../$(BIN)/summitry compilemessages -v0

demo: install
	$(BIN)/summitry demo --host $${SUMMITRY_HOST:-127.0.0.1} --port $${SUMMITRY_PORT:-8000}

serve: install
	$(BIN)/summitry serve

lint: python
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

test-js: node
	for f in src/summitry/static/summitry/js/*.js; do node --check "$$f" || exit 1; done
	node --test tests/js/

test: install lint test-js
	bash scripts/test.sh

bench: install
	$(BIN)/python bench/plan.py
	$(BIN)/python bench/join.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/interpretation.py
	$(BIN)/python bench/relay.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
