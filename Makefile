# minsheng — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv deps dev-deps migrate demo serve lint typecheck schema browser-deps check clean mutation mutation-confidentiality mutation-deadlines mutation-appeals mutation-accountability

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

venv: $(VENV)/bin/python

$(VENV)/.deps: requirements/base.txt pyproject.toml | venv
	$(PIP) install -q -r requirements/base.txt
	$(PIP) install -q --no-deps -e .
	touch $@

deps: $(VENV)/.deps

$(VENV)/.dev-deps: requirements/dev.txt $(VENV)/.deps
	$(PIP) install -q -r requirements/dev.txt
	touch $@

dev-deps: $(VENV)/.dev-deps

migrate: deps
	mkdir -p var
	$(VENV)/bin/minsheng migrate --noinput -v 0

demo: migrate
	$(VENV)/bin/minsheng loaddemo

## serve: the web server and, beside it, the worker that sends queued messages (SMS, e-mail) and
## runs the deadline sweep; Ctrl-C stops both. Development SMS: http://$(HOST):$(PORT)/dev/sms/
serve:
	@echo ""
	@echo "minsheng is running at http://$(HOST):$(PORT)/  (staff: http://$(HOST):$(PORT)/workbench/)"
	@echo "SMS sent in development (console backend): http://$(HOST):$(PORT)/dev/sms/ and the log below"
	@echo "Prometheus metrics (overdue deadlines, outbox backlog, sweep lag, requests): http://$(HOST):$(PORT)/metrics"
	@$(VENV)/bin/minsheng worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/minsheng runserver $(HOST):$(PORT)

## make run: install, migrate SQLite under var/, load the demo (idempotent), serve on :8000.
run: demo serve

## Browser test prerequisites: Debian's chromium and CJK fonts (apt-get), axe-core (npm).
browser-deps:
	@bash scripts/install-browser-deps.sh

## make test: install dev dependencies and run the whole suite (SQLite unless DATABASE_URL is set).
test: dev-deps browser-deps
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

## make mutation: mutation testing of every target group (confidentiality rules R-150, deadline engine
## R-CNT), one after the other; fails if a mutant survives. Never writes a source file
## (docs/mutation-testing.md). MUTATION_ARGS: e.g. --only shield_q --jobs 1.
mutation: dev-deps
	$(PY) scripts/mutation.py $(MUTATION_ARGS)

## make mutation-confidentiality / mutation-deadlines / mutation-appeals / mutation-accountability: one
## group (R-150; core/calendar.py, workflow/deadlines.py; workflow/services/appeals.py; the indicator
## formulas, R-050 and the veto). Each has its CI step (docs/mutation-testing.md).
mutation-confidentiality mutation-deadlines mutation-appeals mutation-accountability: mutation-%: dev-deps
	$(PY) scripts/mutation.py --group $* $(MUTATION_ARGS)

lint: dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: dev-deps
	$(VENV)/bin/mypy minsheng

schema: deps
	$(VENV)/bin/minsheng export_openapi --output docs/api/openapi.json

check: lint typecheck
	$(VENV)/bin/minsheng makemigrations --check --dry-run
	$(VENV)/bin/minsheng export_openapi --check docs/api/openapi.json

clean:
	rm -rf $(VENV) var/minsheng.sqlite3*
