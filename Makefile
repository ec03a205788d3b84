# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Development defaults; DATABASE_URL and REDIS_URL, when set, are used as they are.
RUN_ENV := DEBUG=$${DEBUG:-1}
# Served on another address than the loopback (HOST=0.0.0.0 for a phone on the same network),
# the site is reached by this machine's name or addresses, which Django must accept: unless
# ALLOWED_HOSTS is set, it gets localhost, the host's name and every address of the machine
# (HOST=0.0.0.0 or ::) or HOST itself.
LOOPBACK_HOSTS := 127.0.0.1 localhost ::1 [::1]
ifeq ($(filter $(HOST),$(LOOPBACK_HOSTS)),)
ifneq ($(filter $(HOST),0.0.0.0 ::),)
SERVED_NAMES := $(shell hostname 2>/dev/null; hostname -I 2>/dev/null)
else
SERVED_NAMES := $(HOST)
endif
# IPv6 addresses are written in brackets in ALLOWED_HOSTS.
comma := ,
space := $() $()
SERVED_HOSTS := $(subst $(space),,localhost,127.0.0.1,[::1]$(foreach name,$(SERVED_NAMES),$(comma)$(if $(findstring :,$(name)),[$(name)],$(name))))
RUN_ENV += ALLOWED_HOSTS=$${ALLOWED_HOSTS:-$(SERVED_HOSTS)}
endif

.PHONY: run test venv dev-venv worker lint messages bench clean

# Two marker files: `make run` needs only what the site runs on (requirements.txt); `make test`
# adds the test tools (Playwright, moto, hypothesis, ruff) from requirements-dev.txt on top.
$(VENV)/.installed-runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed-runtime

dev-venv: $(VENV)/.installed-dev

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
	$(if $(SERVED_HOSTS),echo "  Accepted host names: $${ALLOWED_HOSTS:-$(SERVED_HOSTS)}";) \
	echo "  Logins: admin, coordinator, reviewer, observer (password: observe-2027). Ctrl-C stops both."; echo; \
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Two processes (pytest-xdist), one per core of the CI machine: each has its own test database,
# Celery queue, media folder and browser; an idle one takes tests from the other's share
# (worksteal), so the long browser tests do not end on one process. TEST_WORKERS=0 runs everything
# in this one process. The 25 slowest tests are listed at the end, to keep the suite's time in view.
TEST_WORKERS ?= 2
test: dev-venv
	$(PY) -m pytest -n $(TEST_WORKERS) $(if $(filter 0,$(TEST_WORKERS)),,--dist worksteal) --durations 25 $(PYTEST_ARGS)

lint: dev-venv
	$(PY) -m ruff check .

messages: venv
	DEBUG=1 $(PY) manage.py makemessages -l kk -l ru -l en --ignore '.venv/*' --ignore 'staticfiles/*'
	DEBUG=1 $(PY) manage.py compilemessages --ignore '.venv/*'

bench: venv
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf var staticfiles test-artifacts .pytest_cache
