# Two commands on a fresh machine: `make demo` and `make test`. Everything else installs itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench docs install clean

$(STAMP): pyproject.toml examples/plugin_package/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip install --quiet -e examples/plugin_package
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/gongkai demo --portal out/portal --notices out/notifications.jsonl

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests examples bench
	$(BIN)/ruff format --check src tests examples bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The docs site, warnings as errors; the chain diagrams are regenerated from the chain definitions,
# and Mermaid is vendored from its npm package so the site works offline.
docs: $(STAMP)
	scripts/vendor-mermaid
	$(BIN)/python -m gongkai_flow.docs_gen docs/chains.md
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

bench: $(STAMP)
	$(BIN)/python bench/bench_chain.py
	$(BIN)/python bench/bench_negative_list.py
	$(BIN)/python bench/bench_storage.py
	$(BIN)/python bench/bench_timers.py
	$(BIN)/python bench/bench_duties.py
	$(BIN)/python bench/bench_scaleout.py

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache .hypothesis
