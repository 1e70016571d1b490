# Thin wrappers; the logic lives in the package and the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app ticketing

PORT ?= 5000

.PHONY: run test lint translations

# `make run` installs what running needs; `make test` adds the test and lint tools.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(FLASK) migrate
	$(FLASK) demo --url http://127.0.0.1:$(PORT)
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# with TEST_DATABASE_URL the suite runs on SQLite and on PostgreSQL side by side (each on a
# database of its own), then prints both logs
test: $(VENV)/.installed-dev
	@if [ -z "$$TEST_DATABASE_URL" ]; then $(BIN)/pytest; else \
		echo "== SQLite and PostgreSQL ($$TEST_DATABASE_URL) side by side =="; \
		$(BIN)/pytest > .test-sqlite.log 2>&1 & sqlite=$$!; \
		TEST_DB=postgresql $(BIN)/pytest > .test-postgresql.log 2>&1 & postgresql=$$!; \
		wait $$sqlite; a=$$?; wait $$postgresql; b=$$?; \
		echo "== on SQLite (exit $$a) =="; cat .test-sqlite.log; \
		echo "== on PostgreSQL (exit $$b) =="; cat .test-postgresql.log; \
		[ $$a -eq 0 ] && [ $$b -eq 0 ]; \
	fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

translations: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d translations
