# Two commands from a fresh clone:  `make simulate`  and  `make test`.
# Each creates .venv and installs what it needs when missing (`make test` adds the
# optional `distributed` extra, so the Dask tests run).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/rate_cuts.yaml
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: simulate test install install-test lint typecheck pytest validate clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# After installing, tiny runs compile the numba kernels (the engine's, and the CVaR frontier's
# vertex walk) into their on-disk cache, so that the first real run does not pay the
# compilation (about 8 s and 12 s).
WARMUP = $(BIN)/allocator simulate scenarios/baseline.yaml --paths 64 --horizon 13 --out $(VENV)/warmup --quiet > /dev/null \
	&& $(BIN)/allocator frontier scenarios/baseline.yaml --paths 200 --objective min-cvar --points 5 > /dev/null

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(WARMUP)
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,distributed]'
	$(WARMUP)
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)
install-test: $(STAMP_TEST)

## make simulate [SCENARIO=scenarios/recession.yaml]: install, then run the main job
simulate: $(STAMP_RUN)
	$(BIN)/allocator simulate $(SCENARIO)

validate: $(STAMP_RUN)
	$(BIN)/allocator validate scenarios/*.yaml

## make test: install with test extras, then lint, type-check and the whole test suite
test: $(STAMP_TEST) lint typecheck pytest

lint: $(STAMP_TEST)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP_TEST)
	$(BIN)/mypy

pytest: $(STAMP_TEST) browser
	$(BIN)/python -m pytest

## make browser: Debian's headless Chromium, for the report tests (installed when missing)
browser:
	@test -x /usr/bin/chromium || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null; }

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
