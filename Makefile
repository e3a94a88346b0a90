# The two commands: `make run` and `make test`. Both set up everything first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The sealer runs every few seconds: at info the worker's log is mostly its heartbeat. CELERY_LOGLEVEL=info shows it.
CELERY_LOGLEVEL ?= warning
export SEARCHLOG_SITE_URL ?= http://127.0.0.1:$(PORT)
ASSETS := $(shell find searchlog/assets -type f 2>/dev/null)

.PHONY: run test setup assets lint bench-reminders bench-export bench-audit bench-load bench-api bench-faults clean

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Starting the web app on http://127.0.0.1:$(PORT)/ and a Celery worker with beat (Ctrl+C stops both)."
	@trap 'kill 0' EXIT; \
	$(VENV)/bin/celery -A config worker --beat --loglevel $(CELERY_LOGLEVEL) --concurrency 2 \
		--schedule var/celerybeat-schedule & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: setup
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed build/static/css/app.css

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build/static/css/app.css: node_modules/.installed $(ASSETS)
	npm run build

assets: build/static/css/app.css

lint: $(VENV)/.installed
	$(PY) -m ruff check .

bench-reminders bench-export bench-audit: setup
	$(PY) bench/$(subst bench-,,$@).py

# BENCH_ARGS passes options, e.g. make bench-load BENCH_ARGS="--seconds 10 --users 22".
bench-load bench-api bench-faults: setup
	$(PY) bench/$(subst bench-,,$@).py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules build staticfiles var db.sqlite3
