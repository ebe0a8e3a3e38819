# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py
STAMP := $(VENV)/.installed
MO := lms/translations/en/LC_MESSAGES/messages.mo

.PHONY: run run-prod test test-sqlite test-postgres lint fmt i18n i18n-extract install bench bench-webinar bench-careers bench-pages bench-servers bench-offline bench-load clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) $(MO)

$(MO): lms/translations/en/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d lms/translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask lms seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The production topology on this machine (deploy/run-local.sh): front door on :8080, the page
# server, gevent room processes, against DATABASE_URL (PostgreSQL) and REDIS_URL.
run-prod: install
	LMS_BIN=$(BIN) deploy/run-local.sh

# SQLite always; PostgreSQL as well when TEST_DATABASE_URL is set (CI sets it). The fault tests
# (tests/faults) bring their own PostgreSQL and Redis, so they run once, in the first pass; so do
# the tests marked `once`, whose subject does not depend on the database (layout, input guards).
# Each pass runs on TEST_WORKERS pytest-xdist workers (one process each: its own SQLite files,
# PostgreSQL schema test_<pid>, browser and live server); the fault modules share one worker
# (xdist_group "faults", --dist loadgroup). TEST_WORKERS=0 runs a pass in this one process.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadgroup
test: install
	env -u TEST_DATABASE_URL $(PYTEST) $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$TEST_DATABASE_URL)"; \
		$(PYTEST) -m "not faults and not once" $(PYTEST_ARGS); \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check lms tests config.py wsgi.py

fmt: install
	$(BIN)/ruff format lms tests config.py wsgi.py
	$(BIN)/ruff check --fix .

# Extract UI strings and merge them into the English catalogue.
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o lms/translations/messages.pot .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile --use-fuzzy -d lms/translations

# One webinar room, 2,000 participants in one gunicorn gevent process (docs/benchmarks.md).
# BENCH_DATABASE_URL=postgresql+psycopg://... runs it on PostgreSQL; BENCH_ARGS="--participants 500".
# CEILING=1 also runs the bare Flask-SocketIO room of ../shared/bench-ceiling/sio, interleaved with
# the platform for 3 rounds, and prints the ratios (joins, CPU per join, KiB each, broadcast p99).
bench-webinar: install
	$(BIN)/python bench/webinar_load.py $(if $(CEILING),--ceiling --rounds 3) $(BENCH_ARGS)

# HR pages, profile and exports of one agency of 100,000 staff on PostgreSQL (docs/benchmarks.md).
# Generates into its own database lms_bench_<users> (reused while the parameters are the same) on
# the server of BENCH_DATABASE_URL (default postgres@127.0.0.1:5432); BENCH_ARGS="--users 2000 ...".
bench-careers: install
	$(BIN)/python bench/careers_hr.py $(BENCH_ARGS)

# Lesson, catalogue, home and verify pages against the bare-stack ceiling, interleaved (issue 15).
# Needs wrk (apt-get install wrk) and PostgreSQL (BENCH_DATABASE_URL); BENCH_ARGS="--rounds 1".
bench-pages: install
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

# What the page server costs on its own: gunicorn sync and gthread against granian (docs/benchmarks.md).
bench-servers: install
	$(BIN)/python bench/page_servers.py $(BENCH_ARGS)

# A learner on emulated slow 3G (CDP, page and service worker): first and repeat visit, course
# download (time, bytes), first offline open, sync after reconnect (docs/benchmarks.md).
bench-offline: install
	$(BIN)/python bench/offline_3g.py $(BENCH_ARGS)

# Load test of the production topology, one command (bench/load.py; run it on a quiet machine):
# builds (once) the database lms_load on 127.0.0.1:5432 with a generated agency and its courses,
# starts deploy/run-local.sh on spare ports (Redis 127.0.0.1:6379, database 13), runs locust
# headless on loopback for LOAD_ARGS, samples the processes' memory, prints the summary, stops all.
# Smoke run: make bench-load LOAD_SIZE=small LOAD_ARGS="--users 10 --spawn-rate 5 --run-time 30s"
LOAD_SIZE ?= large
LOAD_ARGS ?= --users 200 --spawn-rate 20 --run-time 10m
bench-load: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/load.py --size $(LOAD_SIZE) --locust-args "$(LOAD_ARGS)"

bench: install
	@ls bench/*.py >/dev/null 2>&1 && for b in bench/*.py; do \
		case $$b in bench/generate_agency.py|bench/locustfile.py|bench/load.py) continue;; esac; \
		$(BIN)/python $$b || exit 1; done || echo "no benchmarks yet"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
