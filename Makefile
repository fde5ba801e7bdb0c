# Retex IA — the two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app
export RETEX_ENV ?= development
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=

.PHONY: bench bench-reports check-bench-tools check-pdf-libraries run test setup venv translations db demo lint test-lanes test-sqlite test-postgresql test-e2e pass-sqlite pass-postgresql pass-e2e check-chromium check-postgresql extract-messages clean

# In development `make run` also serves a local OpenID provider with fictional identities (app.demo.oidc_provider)
# at localhost:$(OIDC_DEMO_PORT), and points ProConnect and Pro Santé Connect at it, so that "Se connecter avec
# ProConnect" works in the demonstration. `make run OIDC_DEMO=0` leaves it out, and so does a PROCONNECT_ISSUER
# of your own in the environment (the providers are then configured as in production).
OIDC_DEMO ?= 1
OIDC_DEMO_PORT ?= 5001
# Beside the web server, the job worker and the scheduler of periodic jobs (app.jobs_worker) run when Redis
# answers; stopping make run (Ctrl-C) stops them all. Without Redis the web process runs the jobs itself.
JOBS_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/0)
export JOBS_REDIS_URL

run: setup db demo ## Set everything up and serve http://127.0.0.1:5000 (with a job worker when Redis answers)
	@pids=; trap 'kill $$pids 2>/dev/null; wait' EXIT; trap 'exit 130' INT TERM; \
	if [ "$(OIDC_DEMO)" = "1" ] && [ "$(RETEX_ENV)" = "development" ] && [ -z "$$PROCONNECT_ISSUER" ]; then \
		$(BIN)/flask demo oidc-provider --port $(OIDC_DEMO_PORT) & pids="$$pids $$!"; \
		export PROCONNECT_ISSUER=http://localhost:$(OIDC_DEMO_PORT) PROCONNECT_CLIENT_ID=retex-demo \
			PROCONNECT_CLIENT_SECRET=demo-secret PROSANTECONNECT_ISSUER=http://localhost:$(OIDC_DEMO_PORT) \
			PROSANTECONNECT_CLIENT_ID=retex-demo-psc PROSANTECONNECT_CLIENT_SECRET=demo-secret; \
	fi; \
	if $(BIN)/python -c 'import os, redis; redis.Redis.from_url(os.environ["JOBS_REDIS_URL"], socket_connect_timeout=1).ping()' 2>/dev/null; then \
		echo "Jobs: a worker and the scheduler of periodic jobs run beside the app (Redis at $(JOBS_REDIS_URL))."; \
		$(BIN)/flask jobs worker & pids="$$pids $$!"; \
		$(BIN)/flask jobs scheduler & pids="$$pids $$!"; \
	else \
		echo "Redis is not reachable at $(JOBS_REDIS_URL): background jobs (mail, releases, PDFs) run inside the web process, without retries."; \
		echo "To run them in a worker: sudo apt-get install redis-server (it starts at once), then make run again."; \
	fi; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: setup lint check-postgresql check-chromium test-lanes ## The whole suite

setup: venv translations check-pdf-libraries

venv: $(BIN)/.installed

$(BIN)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python 3.11 or newer is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

translations: venv
	@if grep -n '^#, fuzzy' translations/*/LC_MESSAGES/messages.po; then \
		echo "Fuzzy translations left (pybabel compile would skip them): review them first."; exit 1; fi
	$(BIN)/pybabel compile --statistics -d translations 2>&1 | grep -A1 '/en/' | head -n 1

db: setup
	@mkdir -p instance
	@# This checkout is a developer's: the README's `.venv/bin/flask …` commands then need no RETEX_ENV (config.py).
	@if [ "$(RETEX_ENV)" = "development" ]; then \
		echo "Written by make run: the flask commands of this checkout use the development configuration when no RETEX_ENV, SECRET_KEY, DATABASE_URL or PUBLIC_URL is set. Delete this file to stop it." > instance/development; fi
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask demo load --if-empty

lint: venv
	$(BIN)/ruff check app tests bench config.py migrations
	$(BIN)/bandit -c bandit.yaml -q -r app config.py

check-postgresql:
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || $(BIN)/python -c 'import psycopg; psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()' 2>/dev/null; then \
		echo "PostgreSQL: reachable at 127.0.0.1:5432"; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL is not reachable at 127.0.0.1:5432: CI needs it." >&2; exit 1; \
	else echo "PostgreSQL not reachable at 127.0.0.1:5432: its tests will be skipped (install postgresql, trust auth for user postgres)."; fi

# System packages: Pango and a font for the PDF guides (make run and make test), Chromium for the browser tests.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
define apt_install
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian packages: $(1)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null) || exit 1; \
	elif [ "$$CI" = "true" ]; then echo "Missing system packages: run 'apt-get install $(1)' as root." >&2; exit 1; \
	else echo "Missing system packages: run 'sudo apt-get install $(1)'."; fi
endef

check-pdf-libraries:
	@if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || ! ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset \
		|| [ ! -d /usr/share/fonts/truetype/dejavu ]; then \
		$(call apt_install,$(PDF_PACKAGES)); fi

check-chromium:
	@if ! command -v chromium >/dev/null; then $(call apt_install,chromium); fi

# Each pass prints its ten slowest tests. Two lanes run side by side (one per core), their lines prefixed: the
# SQLite pass then the browser tests, and the PostgreSQL pass; each pass has its own database and Redis database.
PYTEST := $(BIN)/pytest -q -p no:cacheprovider --durations=10

test-lanes: setup
	@set -o pipefail; ($(MAKE) --no-print-directory -k pass-sqlite pass-e2e 2>&1 | sed -u 's/^/[sqlite, browser] /') & first=$$!; \
	($(MAKE) --no-print-directory pass-postgresql 2>&1 | sed -u 's/^/[postgresql] /') & second=$$!; \
	wait $$first; a=$$?; wait $$second; b=$$?; \
	echo "SQLite and browser tests: $$( [ $$a -eq 0 ] && echo passed || echo FAILED ); PostgreSQL: $$( [ $$b -eq 0 ] && echo passed || echo FAILED )"; \
	[ $$a -eq 0 ] && [ $$b -eq 0 ]

test-sqlite: setup pass-sqlite
test-postgresql: setup pass-postgresql
test-e2e: setup pass-e2e

# The passes themselves, without the set-up (the lanes run it once, before they start).
pass-sqlite:
	RETEX_TEST_REDIS_URL=redis://127.0.0.1:6379/12 $(PYTEST) tests --ignore=tests/e2e

pass-postgresql:
	RETEX_TEST_DB=postgresql RETEX_TEST_REDIS_URL=redis://127.0.0.1:6379/14 $(PYTEST) tests --ignore=tests/e2e

pass-e2e:
	$(PYTEST) tests/e2e

bench: setup check-bench-tools ## Notices burst (bench/notices.md, under 2 min), then scale: SQLite and PostgreSQL at 10k, 100k and 1M reports (bench/RESULTS.md)
	$(BIN)/python bench/notices.py --output bench/notices.md
	$(BIN)/python bench/scale.py --output bench/RESULTS.md

check-bench-tools:
	@for tool in wrk sqlite3 psql; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then $(call apt_install,wrk sqlite3 postgresql-client); fi

bench-reports: setup ## Measure the patient-data scan and the report submission (bench/*.md)
	$(BIN)/python bench/privacy_scan.py --reports 200 --output bench/privacy_scan.md
	$(BIN)/python bench/report_submission.py --reports 50 --output bench/report_submission.md

extract-messages: venv ## Refresh the translation catalogue after changing interface strings
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* .venv instance" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache
