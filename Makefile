# The two commands: `make report` (the main job) and `make test`.
# Each sets up .venv on first use and is quick when it is already set up.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.perfkit-installed
WRK2 := $(BIN)/wrk2
WRK2_NEEDS := gcc make luajit libluajit-5.1-dev libssl-dev

.PHONY: setup test test-all lint pytest pytest-all test-redis-floor report docs docs-screenshot docs-flamegraph clean wrk2

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name perfkit --display-name "perfkit (Python 3)" >/dev/null
	touch $(STAMP)

# `make test`: lint, then every test except those marked slow (the long load runs, the
# installed wheel, papermill over every importer), in parallel. `make test-all` (what
# .ci/run runs) adds the slow ones. PYTEST_WORKERS: pytest-xdist workers, one per core;
# tests of one xdist_group (a shared module fixture, or heavy processes that should not
# all run at once) stay on one worker. PYTEST_ARGS: more, e.g. PYTEST_ARGS='-k cache'.
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=20

test: lint pytest

test-all: lint pytest-all

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: $(STAMP) $(WRK2)
	$(PYTEST) -m 'not slow' $(PYTEST_ARGS)

pytest-all: $(STAMP) $(WRK2)
	$(PYTEST) $(PYTEST_ARGS)

# wrk2 is not packaged anywhere: built from its sources in tools/wrk2 into the venv
# (`perfkit import wrk2`'s tests and `perfkit bench loadgen` run it). Without the
# toolchain it says what to install and the tests that need it fail, the rest run.
wrk2: $(WRK2)

$(WRK2): $(STAMP) tools/wrk2/Makefile $(wildcard tools/wrk2/src/*)
	@if command -v luajit >/dev/null && command -v cc >/dev/null && test -f /usr/include/openssl/ssl.h \
		&& { pkg-config --exists luajit 2>/dev/null || test -f /usr/include/luajit-2.1/lua.h; }; then \
		$(MAKE) -s -C tools/wrk2 OUT=$(abspath $(WRK2)) OBJDIR=$(abspath $(VENV))/wrk2-obj; \
	else echo "wrk2 not built: apt-get install $(WRK2_NEEDS)"; fi

# The oldest redis-py pyproject allows (its "redis[hiredis]>=X"), installed beside the venv
# and put first on PYTHONPATH for the tests that talk to Redis: CI tests the floor too.
REDIS_FLOOR = $(shell sed -n 's/^ *"redis\[hiredis\]>=\([0-9.]*\)".*/\1/p' pyproject.toml)
FLOOR_DIR := $(VENV)/redis-floor

test-redis-floor: $(STAMP)
	rm -rf $(FLOOR_DIR)
	$(BIN)/python -m pip install --quiet --target $(FLOOR_DIR) 'redis==$(REDIS_FLOOR)'
	PYTHONPATH=$(FLOOR_DIR) $(BIN)/python -c "import redis; assert redis.__file__.startswith('$(abspath $(FLOOR_DIR))'), redis.__file__; print('redis-py', redis.__version__)"
	PYTHONPATH=$(FLOOR_DIR) $(PYTEST) -q tests/ratelimit tests/cache tests/measure \
		tests/service tests/test_connection.py tests/test_cluster.py tests/test_cli_redis.py

# The notebook suite: starts an embedded Redis and the reference service, records a
# baseline into reports/performance (notebook 01), runs the others, exports reports/html.
report: $(STAMP)
	$(BIN)/perfkit report

# The documentation site into site/, strictly: a broken link or reference, a generated
# section that no longer matches the code (tools/docsite) or a docstring mkdocstrings
# cannot read fails the build (not with --quiet: it hides the warnings strict counts).
# `.venv/bin/mkdocs serve` shows the site while you edit.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# README's picture of the dashboard: the suite run, opened in headless Chromium (Debian's
# chromium), its screenshot of html/index.html copied to docs/.
docs-screenshot: $(STAMP)
	$(BIN)/perfkit report --check-in-browser
	cp reports/screenshots/html-index.png docs/dashboard.png

# README's differential flame graph and the recorded profile pair of notebook 06 and the MCP
# tests: the profiler test over real HTTP, asked to keep what it measured.
docs-flamegraph: $(STAMP)
	PERFKIT_RECORD_PROFILES=1 $(BIN)/pytest tests/profiling/test_profile_over_http.py -q

# Keeps the runs (reports/performance) and the analytics reports: only what is rebuilt.
clean:
	rm -rf $(VENV) reports/html reports/notebooks site
