# SaiPing: `make run` serves the demo, `make test` runs the whole suite. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres setup system-run system-test system-bench translations messages lint bench loadtest clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) translations

system-run:
	@bin/system-packages run

system-test:
	@bin/system-packages test

# Compiled catalogues are build output (git-ignored); the .po files are the source.
translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d competition/translations

run: system-run setup
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo "SaiPing is serving on http://$(HOST):$(PORT)/ with its scheduler (Ctrl+C stops both)"
	@$(FLASK) scheduler & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
		$(BIN)/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

test: system-test setup lint test-sqlite test-postgres

test-sqlite:
	@echo "=== test leg: SQLite ==="
	SAIPING_TEST_DATABASE=sqlite $(BIN)/pytest

# Runs when SAIPING_TEST_POSTGRES_URL is set (.ci/run sets it); a server that cannot be reached fails the run.
test-postgres:
	@if [ -n "$$SAIPING_TEST_POSTGRES_URL" ]; then \
		echo "=== test leg: PostgreSQL ($$SAIPING_TEST_POSTGRES_URL) ==="; \
		SAIPING_TEST_DATABASE=postgres $(BIN)/pytest; \
	else \
		echo "=== test leg: PostgreSQL not run (set SAIPING_TEST_POSTGRES_URL to run it) ==="; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .

# Every benchmark prints BENCH lines; the table at the end collects them (name, ratio, goal, met). A script
# that crashes or prints no BENCH line shows as a failed row, and the run exits non-zero. Never part of `make test`.
bench: setup system-bench
	@rm -f .bench-results; status=0; for script in bench/bench_*.py; do \
		echo "=== $$script"; { $(BIN)/python "$$script" 2>&1; echo "EXIT $$?"; } | grep -v '^{"ts"' | tee .bench-script | grep -v '^EXIT [0-9]*$$'; \
		code=$$(sed -n 's/^EXIT //p' .bench-script | tail -1); grep '^BENCH ' .bench-script >> .bench-results; \
		if [ "$$code" != 0 ]; then why="exit status $$code"; \
		elif ! grep -q '^BENCH ' .bench-script; then why="no BENCH line"; else why=; fi; \
		if [ -n "$$why" ]; then status=1; \
			echo "BENCH $$(basename $$script .py) ratio=- goal=- met=FAILED($$why)" >> .bench-results; fi; \
	done; rm -f .bench-script; \
	echo; echo "=== all benchmarks"; printf '%-30s %-14s %-14s %s\n' name ratio goal met; \
	sed 's/ratio=//; s/goal=//; s/met=//' .bench-results | awk '{met = $$5; for (i = 6; i <= NF; i++) met = met " " $$i; \
		printf "%-30s %-14s %-14s %s\n", $$2, $$3, $$4, met}'; \
	rm -f .bench-results; exit $$status

# The venue-day load test (bench/loadtest.py): 300 tablets marking for 3 minutes through a faulty network while
# gunicorn is SIGKILLed twice; SQLite, then PostgreSQL when SAIPING_TEST_POSTGRES_URL is set. Options go in
# LOADTEST_ARGS, e.g. `make loadtest LOADTEST_ARGS="--tablets 100 --seconds 60"`. The full run is never
# part of `make test`; a two-minute version is (tests/test_loadtest.py).
loadtest: setup
	@status=0; $(BIN)/python bench/loadtest.py --database sqlite $(LOADTEST_ARGS) || status=1; \
	if [ -n "$$SAIPING_TEST_POSTGRES_URL" ]; then \
		$(BIN)/python bench/loadtest.py --database postgres $(LOADTEST_ARGS) || status=1; \
	else \
		echo "=== load test: PostgreSQL not run (set SAIPING_TEST_POSTGRES_URL to run it)"; \
	fi; exit $$status

system-bench:
	@bin/system-packages bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache competition/translations/*/LC_MESSAGES/*.mo

# Refresh the catalogue from the source after changing user-facing text (then translate the new entries).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l --no-location --sort-output \
		--ignore-dirs='.venv .git tests bench migrations build' -o competition/translations/messages.pot .
	$(BIN)/pybabel update -i competition/translations/messages.pot -d competition/translations --no-fuzzy-matching
