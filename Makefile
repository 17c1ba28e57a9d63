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

# Benchmarks against real TensorFlow and PyTorch (bench/README.md). Each reference
# framework lives in its own virtual environment, made here on first use; point
# BENCH_TF_VENV / BENCH_TORCH_VENV at existing ones to reuse them, and pass extra
# bench/run.py options in BENCH_ARGS (e.g. BENCH_ARGS=--quick, BENCH_ARGS="--only w1,w2").
BENCH_TF_VENV ?= bench/.venv-tf
BENCH_TORCH_VENV ?= bench/.venv-torch
BENCH_ARGS ?=
BENCH_PIP := --disable-pip-version-check --no-input -q

.PHONY: bench bench-venvs

bench: bench-venvs
	$(PYTHON) bench/run.py --tf-python $(BENCH_TF_VENV)/bin/python --torch-python $(BENCH_TORCH_VENV)/bin/python $(BENCH_ARGS)

bench-venvs:
	@$(BENCH_TF_VENV)/bin/python -c "import sys, importlib.metadata as m; sys.exit(m.version('tensorflow-cpu') != '2.21.0')" 2>/dev/null || { \
	  echo "creating $(BENCH_TF_VENV) with tensorflow-cpu==2.21.0"; \
	  $(PYTHON) -m venv $(BENCH_TF_VENV) && \
	  $(BENCH_TF_VENV)/bin/python -m pip install $(BENCH_PIP) tensorflow-cpu==2.21.0 numpy; }
	@$(BENCH_TORCH_VENV)/bin/python -c "import sys, importlib.metadata as m; sys.exit(m.version('torch').split('+')[0] != '2.13.0')" 2>/dev/null || { \
	  echo "creating $(BENCH_TORCH_VENV) with torch==2.13.0"; \
	  $(PYTHON) -m venv $(BENCH_TORCH_VENV) && \
	  $(BENCH_TORCH_VENV)/bin/python -m pip install $(BENCH_PIP) torch==2.13.0 numpy; }
