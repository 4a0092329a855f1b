# Quick start: `make demo` (figures in out/) and `make test`. Each installs what it needs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow test-x64 bench docs clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/izhi-dyn demo --out out

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

test-x64: $(STAMP)
	IZHI_DYN_X64=1 $(BIN)/python -m pytest -n 2 -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m slow

clean:
	rm -rf $(VENV) out build *.egg-info

# Sphinx site with warnings as errors (the test extra has the Sphinx tools). The gallery
# runs every example with its fast arguments (IZHI_DYN_DOCS_FULL=1 for full runs).
docs: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html
