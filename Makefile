# The two commands: `make report` (the main job) and `make test`.
# Each sets up .venv on first use and is quick when it is already set up.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.perfkit-installed

.PHONY: setup test lint pytest report clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,browser]'
	$(BIN)/python -m ipykernel install --sys-prefix --name perfkit --display-name "perfkit (Python 3)" >/dev/null
	touch $(STAMP)

test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

# The notebook suite: starts an embedded Redis and the reference service, records a
# baseline into reports/performance (notebook 01), runs the others, exports reports/html.
report: $(STAMP)
	$(BIN)/perfkit report

clean:
	rm -rf $(VENV) reports/html reports/notebooks
