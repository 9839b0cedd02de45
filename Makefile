# Every target installs what it needs into a local virtual environment (.venv), reused across runs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PRISM := tools/prism/node_modules/.bin/prism
E2E := tools/e2e/node_modules/.installed

.PHONY: generate check validate test bench clean

$(INSTALLED): pyproject.toml generated/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]' -e './generated[emulator]'
	touch $@

# Prism, the OpenAPI mock server of the contract tests, pinned by tools/prism/package-lock.json.
$(PRISM): tools/prism/package-lock.json
	npm ci --prefix tools/prism --silent --no-audit --no-fund
	touch $@

# The official JavaScript clients of the end-to-end tests, pinned by tools/e2e/package-lock.json.
$(E2E): tools/e2e/package-lock.json
	npm ci --prefix tools/e2e --ignore-scripts --silent --no-audit --no-fund
	touch $@

generate: $(INSTALLED)
	$(PY) -m generator generate

check: $(INSTALLED)
	$(PY) -m generator check

validate: $(INSTALLED)
	$(PY) -m generator validate

test: $(INSTALLED) $(PRISM) $(E2E)
	$(PY) -m pytest
	$(PY) -m generator check
	$(PY) -m mypy --strict generated/realtime_rest generator

# The benchmark's own environment: ours beside the alternatives it is measured against.
BENCH_VENV := bench/.venv
BENCH_INSTALLED := $(BENCH_VENV)/.installed

$(BENCH_INSTALLED): bench/requirements.txt pyproject.toml generated/pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.txt -e . -e './generated[emulator]'
	touch $@

bench: $(BENCH_INSTALLED)
	$(BENCH_VENV)/bin/python bench/run.py

clean:
	rm -rf $(VENV) $(BENCH_VENV)
