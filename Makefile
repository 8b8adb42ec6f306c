# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint typecheck unit bench fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## Set up, build the store from NOTES_DIR (seeds/ by default) and start the bot;
## without DISCORD_TOKEN, against the local Discord stand-in instead.
run: $(STAMP)
	$(PY) -m bot run --sandbox-without-token

## Set up, then lint, type-check and run the whole test suite.
test: lint typecheck unit

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

unit: $(STAMP)
	$(PY) -m pytest -q

## Benchmarks (not part of `make test`): ingest and lookups at 36k and 1M papers.
bench: $(STAMP)
	$(PY) -m bench

## The notes parser on many more damaged files than `make test` tries (minutes).
fuzz: $(STAMP)
	$(PY) -m bench.fuzz_notes --examples 20000

clean:
	rm -rf $(VENV) data .mypy_cache .pytest_cache .ruff_cache
