# The README's two commands: `make run` and `make test`. Everything they need is built here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run serve test test-ui test-py check lint ui app app-onefile install-linux deb bench bench-check bench-full clean

run: $(STAMP) ui
	$(VENV)/bin/lanchat

serve: $(STAMP) ui
	$(VENV)/bin/lanchat serve

# The fan-out check runs last, from the recipe rather than as a prerequisite: even under -j it
# then starts only once every test has finished, and nothing else competes for the CPU it measures.
test: lint $(STAMP) ui app test-ui test-py
	$(MAKE) --no-print-directory bench-check

# Lint, format and types: ruff and mypy for the Python, ESLint and Prettier for the UI. Any finding fails.
lint: $(STAMP) ui/node_modules/.package-lock.json
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	cd ui && npm run --silent lint

# Two workers, one test file each at a time (module fixtures start once), for everything that may
# run side by side; then, alone, what makes network namespaces or measures time (the `netns` and
# `serial` markers in pyproject.toml). Both runs always happen; either failing fails the target.
test-py: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -m "not netns and not serial"; parallel=$$?; \
	$(PY) -m pytest -m "netns or serial"; alone=$$?; \
	[ $$parallel -eq 0 ] && [ $$alone -eq 0 ]

# The quick loop while working, under a minute: ruff on the Python files changed since origin/main
# (since HEAD without that remote), then the unit and in-process protocol tests; no real processes,
# browser, window or namespaces. `make test` runs everything.
QUICK_TESTS := not browser and not window and not netns and not process
CHANGED_SINCE := $(shell git merge-base HEAD origin/main 2>/dev/null || echo HEAD)

check: $(STAMP)
	@changed="$$(git diff --name-only --diff-filter=d $(CHANGED_SINCE) -- '*.py'; \
		git ls-files --others --exclude-standard -- '*.py')"; \
	if [ -n "$$changed" ]; then \
		echo "ruff: $$(echo $$changed | wc -w) changed file(s)"; \
		$(VENV)/bin/ruff format --check $$changed && $(VENV)/bin/ruff check $$changed; \
	fi
	$(PY) -m pytest -q -m "$(QUICK_TESTS)" tests/unit tests/protocol

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtual environment: on Debian, install python3-venv (sudo apt install python3-venv)."; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[desktop,test,package]'
	touch $@

# The UI: node_modules from the lock file, then the production build the server serves.
# ui/vite.config.js writes ui/src/protocol.generated.js from server/protocol/ first.
UI_SOURCES := $(shell find ui/src ui/index.html ui/vite.config.* -type f 2>/dev/null) $(wildcard server/protocol/*.py)

ui: ui/dist/index.html

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	touch $@

ui/dist/index.html: ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npm run build

test-ui: ui/node_modules/.package-lock.json
	cd ui && npm test

# The frozen one-folder app in dist/lanchat (LANCHAT_ONEFILE=1 for a single file, see build.spec).
APP_SOURCES := $(shell find server desktop -name '*.py' -o -name '*.png' -o -name '*.md' 2>/dev/null)

app: dist/lanchat/lanchat

dist/lanchat/lanchat: $(STAMP) ui/dist/index.html build.spec $(APP_SOURCES)
	$(PY) -m PyInstaller --noconfirm --log-level WARN build.spec

app-onefile: $(STAMP) ui
	LANCHAT_ONEFILE=1 $(PY) -m PyInstaller --noconfirm --log-level WARN --distpath dist/onefile build.spec

# A .deb of the one-folder app (Debian's dpkg-deb): /opt/lanchat, /usr/bin/lanchat, menu entry, icon.
deb: app
	$(PY) desktop/linux/build_deb.py dist/lanchat dist/lanchat_$$($(PY) -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")_amd64.deb

# Put the one-folder app in the desktop menus (Linux): ~/.local by default, PREFIX=/usr/local for all users.
PREFIX ?= $(HOME)/.local

install-linux: app
	mkdir -p $(PREFIX)/opt $(PREFIX)/share/applications $(PREFIX)/share/icons/hicolor/256x256/apps
	rm -rf $(PREFIX)/opt/lanchat
	cp -r dist/lanchat $(PREFIX)/opt/lanchat
	cp desktop/icons/lanchat.png $(PREFIX)/share/icons/hicolor/256x256/apps/lanchat.png
	sed 's|@EXEC@|$(PREFIX)/opt/lanchat/lanchat|' desktop/linux/lanchat.desktop > $(PREFIX)/share/applications/lanchat.desktop
	@echo "lanchat is in your applications menu; launcher: $(PREFIX)/share/applications/lanchat.desktop"

# About a minute: lanchat's room server against the seed's textbook design and websockets.broadcast,
# one room of 100 each (lanchat also one with read receipts on), in the same run. Fails when either
# lanchat room delivers under 1.5x what the seed design does (docs/benchmarks.md says why 1.5).
bench-check: $(STAMP)
	$(PY) tests/bench/fanout_check.py

bench: bench-check

# Every room scenario (throughput in rooms of 100 and 500, latency, idle memory, a stalled reader):
# about 3 minutes, figures only.
bench-full: $(STAMP)
	$(PY) tests/bench/bench_server.py

clean:
	rm -rf $(VENV) ui/node_modules ui/dist build dist test-artifacts
