# Every target installs what it needs into a local virtual environment (.venv), reused across runs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: generate check validate test clean

$(INSTALLED): pyproject.toml generated/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]' -e ./generated
	touch $@

generate: $(INSTALLED)
	$(PY) -m generator generate

check: $(INSTALLED)
	$(PY) -m generator check

validate: $(INSTALLED)
	$(PY) -m generator validate

test: $(INSTALLED)
	$(PY) -m pytest
	$(PY) -m generator check
	$(PY) -m mypy --strict generated/realtime_rest

clean:
	rm -rf $(VENV)
