# reform: two commands, `make run` and `make test`; both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The demo clock of `make run`: the 2022 deadlines mean something. REFORM_NOW from the environment wins.
DEMO_NOW ?= 2022-06-20T09:00:00+08:00
# pytest-xdist workers: one per core (make test TEST_WORKERS=0 runs in one process).
TEST_WORKERS ?= auto
DEMO := REFORM_DEMO=1 REFORM_MAIL_SINK=1 REFORM_NOW=$${REFORM_NOW:-$(DEMO_NOW)}

# The project's own modules, compiled once: with PYTHONDONTWRITEBYTECODE set (as here) every command would compile
# them again on start (a fifth of a second); stale files are recompiled in memory, so this is only ever faster.
COMPILE := $(BIN)/python -m compileall -q -j 0 engine workflows notifications web cli config runtime migrations bench

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(COMPILE)
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	mkdir -p var
	$(DEMO) $(BIN)/reform init
	$(DEMO) $(BIN)/reform ledger import builtin:wulong-2022 --create-units
	$(DEMO) $(BIN)/reform demo setup
	$(DEMO) $(BIN)/reform serve

test: $(STAMP)
	$(BIN)/ruff check .
	REFORM_FAST_HASH=1 $(BIN)/python -m pytest -q -n $(TEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check .

# The benchmark suite (not part of make test): e.g. make bench BENCH_ARGS="--quick" (see bench/README.md).
BENCH_ARGS ?=
bench: $(STAMP)
	$(COMPILE)
	$(BIN)/python -m bench.delivery --rounds 7  # first, on a quiet machine (after bench.run, load average 3)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
