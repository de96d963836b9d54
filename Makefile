# The README's two commands: `make run` and `make test`. Everything they need is built here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run serve test test-ui test-py ui bench clean

run: $(STAMP) ui
	$(VENV)/bin/lanchat

serve: $(STAMP) ui
	$(VENV)/bin/lanchat serve

test: $(STAMP) ui test-ui test-py

test-py: $(STAMP)
	$(PY) -m pytest

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtual environment: on Debian, install python3-venv (sudo apt install python3-venv)."; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The UI: node_modules from the lock file, then the production build the server serves.
UI_SOURCES := $(shell find ui/src ui/index.html ui/vite.config.* -type f 2>/dev/null)

ui: ui/dist/index.html

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	touch $@

ui/dist/index.html: ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npm run build

test-ui: ui/node_modules/.package-lock.json
	cd ui && npm test

bench: $(STAMP)
	$(PY) tests/bench/bench_server.py

clean:
	rm -rf $(VENV) ui/node_modules ui/dist build dist test-artifacts
