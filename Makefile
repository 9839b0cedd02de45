# Every target installs what it needs into local folders, reused across runs: Python packages into
# .venv (the generator alone for generate/check/validate; the test tools and the generated package
# too for test), Prism and the official JavaScript clients into tools/*/node_modules (only for
# test, and only where npm exists).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
GENERATOR_INSTALLED := $(VENV)/.generator-installed
TEST_INSTALLED := $(VENV)/.test-installed
PRISM := tools/prism/node_modules/.bin/prism
NPM := $(shell command -v npm 2>/dev/null)
# The official JavaScript clients of the end-to-end tests, pinned by tools/e2e/package-lock.json.
E2E := tools/e2e/node_modules/.installed

.PHONY: generate check validate test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(GENERATOR_INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_INSTALLED): pyproject.toml generated/pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]' -e './generated[emulator]'
	touch $@

# Prism, the OpenAPI mock server of the contract tests, pinned by tools/prism/package-lock.json;
# tools/prism/.npmrc makes an engine mismatch an error and runs no dependency's install scripts.
# SCARF_ANALYTICS=false opts out of Scarf's install reporting should a future dependency bring it.
$(PRISM): tools/prism/package.json tools/prism/package-lock.json tools/prism/.npmrc
	cd tools/prism && SCARF_ANALYTICS=false npm ci
	touch $@

# Installed without running any dependency's install scripts; SCARF_ANALYTICS=false as for Prism.
$(E2E): tools/e2e/package.json tools/e2e/package-lock.json
	cd tools/e2e && SCARF_ANALYTICS=false npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# Without npm the contract and end-to-end tests are skipped with their reason; with CI=true they
# fail instead.
ifeq ($(NPM),)
CONTRACT_TOOLS :=
else
CONTRACT_TOOLS := $(PRISM) $(E2E)
endif

generate: $(GENERATOR_INSTALLED)
	$(PY) -m generator generate

check: $(GENERATOR_INSTALLED)
	$(PY) -m generator check

validate: $(GENERATOR_INSTALLED)
	$(PY) -m generator validate

test: $(TEST_INSTALLED) $(CONTRACT_TOOLS)
ifeq ($(NPM),)
	@echo "npm not found: the contract tests against Prism will be skipped (they need Node.js 20.16 or newer with npm)"
endif
	$(PY) -m pytest
	$(PY) -m generator check
	$(PY) -m mypy --strict generated/realtime_rest generated/tests generator

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

# Everything the targets above and the tools they run leave in the tree: what .gitignore lists.
clean:
	rm -rf $(VENV) $(BENCH_VENV) tools/prism/node_modules tools/e2e/node_modules
	find . -path ./.git -prune -o -type d \( -name __pycache__ -o -name '*.egg-info' -o -name build \
		-o -name .mypy_cache -o -name .pytest_cache -o -name .hypothesis \) -prune -exec rm -rf {} +
