# Every target installs what it needs into a local virtual environment (.venv), reused across runs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PRISM := tools/prism/node_modules/.bin/prism

.PHONY: generate check validate test clean

$(INSTALLED): pyproject.toml generated/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]' -e ./generated
	touch $@

# Prism, the OpenAPI mock server of the contract tests, pinned by tools/prism/package-lock.json.
$(PRISM): tools/prism/package-lock.json
	npm ci --prefix tools/prism --silent --no-audit --no-fund
	touch $@

generate: $(INSTALLED)
	$(PY) -m generator generate

check: $(INSTALLED)
	$(PY) -m generator check

validate: $(INSTALLED)
	$(PY) -m generator validate

test: $(INSTALLED) $(PRISM)
	$(PY) -m pytest
	$(PY) -m generator check
	$(PY) -m mypy --strict generated/realtime_rest generator

clean:
	rm -rf $(VENV)
