# Everything runs in a local virtual environment, .venv, made on first use.
PYTHON ?= python3
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
# Touched after a successful install; redone when pyproject.toml changes.
INSTALLED := $(VENV)/.installed-test

.PHONY: test test-fast demo venv clean

test: $(INSTALLED)
	$(VENV_PYTHON) -m pytest -q

test-fast: $(INSTALLED)
	$(VENV_PYTHON) -m pytest -q -m "not slow"

demo: $(INSTALLED)
	$(VENV_PYTHON) -m tensorflux.demo

venv: $(INSTALLED)

$(VENV_PYTHON):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install --disable-pip-version-check --no-input -q -e '.[test]'
	touch $@

clean:
	rm -rf build dist *.egg-info .pytest_cache demo_output
