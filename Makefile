# Two commands do everything on a fresh machine with Python 3.11+ and npm:
#   make demo   installs what is missing, then starts CityOps on an embedded SQLite database
#   make test   installs what is missing, then runs the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NPM_STAMP := node_modules/.installed-stamp
PYTEST_ARGS ?=

.PHONY: setup demo serve test check bench lint format typecheck system clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

$(NPM_STAMP): package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

system:
	scripts/system-packages.sh

# Debian packages (PostGIS, Chromium) are installed by `make system` and by .ci/run, never
# silently by `make test`: without them the PostgreSQL and browser tests skip with a reason
# (or fail under CI=true).
setup: $(STAMP) $(NPM_STAMP)
	@scripts/system-packages.sh --check

demo: setup
	$(VENV)/bin/cityops demo

serve: setup
	$(VENV)/bin/cityops serve

# The gates, then the tests with coverage (floor in pyproject.toml: it only rises).
test: setup check
	scripts/services.sh
	$(VENV)/bin/pytest --cov=cityops --cov-report=term:skip-covered $(PYTEST_ARGS)

check: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

bench: setup
	scripts/system-packages.sh --bench
	$(PY) bench/run_all.py

lint: setup
	$(VENV)/bin/ruff check src tests bench

format: setup
	$(VENV)/bin/ruff format src tests bench

typecheck: setup
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) node_modules .pytest_cache test-artifacts
