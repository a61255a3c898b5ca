# Everything bootstraps its own environment in .venv (Python >= 3.11).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-slow test-hardware bench venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,ibm]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/qbench run experiments/quickstart.yaml --results results
	$(BIN)/qbench report results/quickstart

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

test-hardware: $(STAMP)
	$(BIN)/python -m pytest -q -m hardware

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/qaoa_end_to_end.py
	$(BIN)/python benchmarks/noisy.py
	$(BIN)/python benchmarks/sweep.py

clean:
	rm -rf $(VENV) .pytest_cache
