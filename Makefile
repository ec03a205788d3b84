# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Development defaults; DATABASE_URL and REDIS_URL, when set, are used as they are.
RUN_ENV := DEBUG=$${DEBUG:-1}

.PHONY: run test venv worker lint messages bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py load_demo
	@set -euo pipefail; \
	mkdir -p var; \
	$(RUN_ENV) $(VENV)/bin/celery -A config worker --beat --loglevel info --concurrency 2 \
	  --without-mingle --without-gossip --schedule var/celerybeat-schedule >var/worker.log 2>&1 & \
	worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo; echo "  Celery worker started (pid $$worker, log: var/worker.log)"; \
	echo "  Site:  http://$(HOST):$(PORT)/    Admin: http://$(HOST):$(PORT)/admin/    API: http://$(HOST):$(PORT)/api/docs/"; \
	echo "  Logins: admin, coordinator, reviewer, observer (password: observe-2027). Ctrl-C stops both."; echo; \
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .

messages: venv
	DEBUG=1 $(PY) manage.py makemessages -l kk -l ru -l en --ignore '.venv/*' --ignore 'staticfiles/*'
	DEBUG=1 $(PY) manage.py compilemessages --ignore '.venv/*'

bench: venv
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf var staticfiles test-artifacts .pytest_cache
