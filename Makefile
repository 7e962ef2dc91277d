# Two commands: `make run` serves the demo, `make test` runs the whole suite (as CI does).
# Python 3.11 (the design card); a python3 of 3.11 or newer serves too.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app app
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint bench system-deps

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 is needed (found: $(PYTHON))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# Debian packages the app relies on: WeasyPrint's fast font subsetting and the letter fonts.
# Installed only where we can (root on Debian); elsewhere the app warns at start-up.
system-deps:
	@./.ci/system-deps

run: $(STAMP) system-deps
	$(FLASK) db upgrade
	$(FLASK) install
	$(FLASK) demo seed --if-empty
	@echo "Asuh is running on http://127.0.0.1:5000"
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(STAMP) system-deps
	$(MAKE) --no-print-directory lint test-sqlite test-postgres

lint: $(STAMP)
	$(PY) -m ruff check asuh tests app.py

test-sqlite: $(STAMP)
	$(PY) -m pytest -n 2 -q

test-postgres: $(STAMP)
	$(PY) -m pytest -n 2 -q --postgres

# Seeds a large city (100,000 children, 2,000,000 items) in a temp dir and measures pages,
# letters, import and a load test; the table goes to test-output/bench.md (see README).
bench: $(STAMP) system-deps
	$(PY) -m tests.bench
