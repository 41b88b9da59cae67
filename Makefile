# ganbench — every target works from a fresh clone; `make setup` is implied by the others.
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: setup test test-fast lint format demo clean

setup: $(VENV)/.installed

# Versions come from constraints.txt (torch==2.13.0 is the CPU wheel; never an unpinned torch).
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

test: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) --durations=15

test-fast: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not slow"

lint: setup
	$(BIN)/ruff check ganbench registry tests
	$(BIN)/ruff format --check ganbench registry tests

format: setup
	$(BIN)/ruff format ganbench registry tests
	$(BIN)/ruff check --fix ganbench registry tests

# Until the benchmark runner lands, the main job is a short lockstep training demo.
demo: setup
	$(BIN)/ganbench train --dataset ring --loss modified_minimax --schedule alternating \
		--seeds 4 --g-steps 2000 --out outputs/demo

clean:
	rm -rf $(VENV) outputs dist build .pytest_cache .ruff_cache
