# Two commands do all set-up on a fresh machine:
#   make run    install what is missing, then start the kiosk (SQLite demo database)
#   make test   install what is missing, then run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup system-deps run text test bench lint typecheck clean

setup: system-deps $(STAMP)

system-deps:
	@bash scripts/install-system-deps.sh

$(STAMP): pyproject.toml setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: setup
	$(BIN)/kiosk run

text: setup
	$(BIN)/kiosk text

# Two workers, a test file each at a time: many tests wait on real time (audio
# played through PulseAudio, a TTY line at 45 baud), so two keep both cores busy.
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadfile

bench: setup
	$(BIN)/python bench/run_all.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy kiosk

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
