# Two commands do everything on a fresh machine with Python 3.11+ and npm:
#   make demo   installs what is missing, then starts CityOps on an embedded SQLite database
#   make test   installs what is missing, then runs the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NPM_STAMP := node_modules/.installed-stamp
PYTEST_ARGS ?=

.PHONY: setup demo serve test bench lint typecheck system clean

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

setup: $(STAMP) $(NPM_STAMP) system

demo: setup
	$(VENV)/bin/cityops demo

serve: setup
	$(VENV)/bin/cityops serve

test: setup
	scripts/services.sh
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: setup
	$(PY) bench/run_all.py

lint: setup
	$(VENV)/bin/ruff check src tests bench

typecheck: setup
	$(VENV)/bin/mypy src/cityops

clean:
	rm -rf $(VENV) node_modules .pytest_cache test-artifacts
