# Two commands do all set-up on a fresh machine:
#   make run    install what the kiosk needs, then start it (SQLite demo database)
#   make test   install that plus the test tools, then run every test
# Python packages come from the hashed lock files in requirements/ (`make lock` writes them
# again after a change to pyproject.toml's dependencies; see scripts/python_deps.py).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STAMP_RUN := $(VENV)/.installed-run

.PHONY: setup setup-run system-deps system-deps-run run text test bench lint typecheck lock clean

setup: system-deps $(STAMP)

setup-run: system-deps-run $(STAMP_RUN)

system-deps:
	@bash scripts/install-system-deps.sh test

system-deps-run:
	@bash scripts/install-system-deps.sh run

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml requirements/test.txt | $(BIN)/python
	$(BIN)/python scripts/python_deps.py test
	@touch $(STAMP) $(STAMP_RUN)

$(STAMP_RUN): pyproject.toml requirements/run.txt | $(BIN)/python
	$(BIN)/python scripts/python_deps.py run
	@touch $(STAMP_RUN)

# KIOSK_DEMO=1: an empty database gets the demo accounts (never without asking).
run: setup-run
	KIOSK_DEMO=1 $(BIN)/kiosk run

text: setup-run
	KIOSK_DEMO=1 $(BIN)/kiosk text

# Three workers on two cores, a test file each at a time: many tests wait on real time
# (audio played through PulseAudio, a TTY line at 45 baud, SIP calls), so two workers left
# the cores idle. Fresh-clone CI, same day: pytest 682 s with -n 2, 486 s with -n 3, all
# passing. The line's TTY test caller runs in a process of its own
# (kiosk/devtools/caller_process.py), so a busy worker does not delay its audio.
# Files go out in collection order, the longest first (tests/conftest.py, LONGEST_FIRST).
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/typecheck.py
	$(BIN)/pytest -n 3 --dist loadfile --no-loadscope-reorder

bench: setup
	$(BIN)/python bench/run_all.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy over kiosk, speech, tty and accessibility as the one package they install as.
typecheck: setup
	$(BIN)/python scripts/typecheck.py

lock: | $(BIN)/python
	$(BIN)/python scripts/python_deps.py lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .typecheck
