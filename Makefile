# Two commands: `make run` serves the demo, `make test` runs the whole suite (as CI does).
# Python 3.11 (the design card); a python3 of 3.11 or newer serves too.
# `make run` installs only what the app needs (requirements.txt); `make test` adds the test
# and lint tools (requirements-dev.txt). Each has its own stamp, redone when its files change.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app app
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check
RUN_STAMP := $(VENV)/.installed-run
# `make run PORT=8080`: the demo's port, and the address its letters' QR codes and
# verification links print (ASUH_PUBLIC_URL follows the port unless set already).
PORT ?= 5000
PUBLIC_URL := $(or $(ASUH_PUBLIC_URL),http://127.0.0.1:$(PORT))
RUN_FLASK := ASUH_PUBLIC_URL=$(PUBLIC_URL) $(FLASK)
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test test-sqlite test-postgres lint bench bench-scale system-deps system-deps-run

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 is needed (found: $(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): requirements.txt | $(PY)
	$(PIP_INSTALL) -r requirements.txt
	touch $(RUN_STAMP)

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $(RUN_STAMP) $(DEV_STAMP)

# Debian packages, installed where we can (root on Debian; elsewhere it says what is
# missing). run: WeasyPrint's font subsetting and the letter fonts, pdftoppm. test: those
# and PostgreSQL 15's server for the PostgreSQL pass, Chromium and npm for the browser
# journeys (.ci/system-deps says which is which).
system-deps-run:
	@./.ci/system-deps run

system-deps:
	@./.ci/system-deps test

# Only what serving needs (.ci/system-deps run): never Chromium, npm or PostgreSQL, which
# only the test suite uses.
run: $(RUN_STAMP) system-deps-run
	$(RUN_FLASK) db upgrade
	$(RUN_FLASK) install
	$(RUN_FLASK) demo seed --if-empty
	@echo "Asuh is running on http://127.0.0.1:$(PORT) with its job worker (letters link to $(PUBLIC_URL))"
	@# The job worker (monthly statements, outgoing mail) runs beside the server and
	@# stops with it; with ASUH_REDIS_URL set it is an RQ worker.
	$(RUN_FLASK) jobs work & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(RUN_FLASK) run --host 127.0.0.1 --port $(PORT)

# ruff, the suite on SQLite, then the suite on a throwaway PostgreSQL 15 server, which
# fails (never skips) when that server cannot start.
test: $(DEV_STAMP) system-deps
	$(MAKE) --no-print-directory lint test-sqlite test-postgres

lint: $(DEV_STAMP)
	$(PY) -m ruff check asuh tests app.py

test-sqlite: $(DEV_STAMP)
	$(PY) -m pytest -n 2 -q

test-postgres: $(DEV_STAMP)
	$(PY) -m pytest -n 2 -q --postgres

# Seeds a large city (100,000 children, 2,000,000 items) in a temp dir and measures pages,
# letters, import and a load test; the table goes to test-output/bench.md (see README).
bench: $(DEV_STAMP) system-deps
	$(PY) -m tests.bench

# A province on its own PostgreSQL at 100,000 and 1,000,000 children (COPY seed: 20,000,000
# contribution items), measured side by side; table in test-output/bench-scale.md (see
# README). The seeded cluster is kept in BENCH_SCALE_DIR, so only the first run seeds.
BENCH_SCALE_DIR ?= test-output/bench-scale
bench-scale: $(DEV_STAMP) system-deps
	$(PY) -m tests.bench_scale --reuse $(BENCH_SCALE_DIR) $(BENCH_SCALE_ARGS)
