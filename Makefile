# Quick start: `make demo` (figures in out/) and `make test`. Each installs what it needs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow test-x64 bench docs docs-check figures clean

$(STAMP): setup.cfg pyproject.toml setup.py csrc/fused_step.cc csrc/exact_step.cc csrc/exact_run.cc csrc/exact_*.h
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/izhi-dyn demo --out out

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist worksteal -q

test-x64: $(STAMP)
	IZHI_DYN_X64=1 $(BIN)/python -m pytest -n 2 --dist worksteal -q

# The tests marked slow (CI runs them once, in float32; those that need float64 ask for it).
test-slow: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist worksteal -q -m "slow and not docs"

clean:
	rm -rf $(VENV) out build *.egg-info

# Sphinx site with warnings as errors (the test extra has the Sphinx tools). The gallery
# runs every example with its fast arguments (IZHI_DYN_DOCS_FULL=1 for full runs).
docs: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# The docs check of CI, run once (not per precision): the site builds with -W (gallery
# examples not executed: the test suite runs them) and has every API page, gallery page,
# rendered equation and CLI flag (tests/test_docs.py, marker docs).
docs-check: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "docs and not slow" tests/test_docs.py

# The figures of README.md and the docs, committed under docs/_static: regenerate them
# here, at full settings, from the package's CLI and examples (about 2 minutes). The
# accuracy plot reads benchmarks/ACCURACY.md: rerun benchmarks/accuracy.py first when
# the integrators change.
figures: $(STAMP)
	$(BIN)/izhi-dyn features --out docs/_static
	$(BIN)/izhi-dyn network --plot docs/_static/network_2003.png --no-progress
	$(BIN)/python examples/phase_plane_rs_fs_rz.py --out docs/_static
	$(BIN)/python examples/integrator_accuracy.py --out docs/_static
