# The two commands of the README: `make run` (build the graph, print its summary, serve it on
# http://127.0.0.1:8000/) and `make test` (the whole test suite). Each sets up its own virtual environment and installs
# what it needs, Java included (for the HermiT reasoner) where the machine lacks it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test build lint typecheck check java clean bench soak

run: $(STAMP) java
	$(BIN)/clusterkg build
	$(BIN)/clusterkg serve

test: $(STAMP) java
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python scripts/check_imports.py
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/check_imports.py

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[dev]'
	touch $(STAMP)

java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "Installing a Java runtime for the HermiT reasoner (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }

# Long runs, kept out of `make test` (which runs bounded versions of them).
bench: $(STAMP) java
	$(BIN)/python bench/bench_materialisation.py
	$(BIN)/python bench/bench_serving.py
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_analysis.py
	$(BIN)/python bench/bench_cache.py

soak: $(STAMP) java
	CLUSTERKG_FUZZ_EXAMPLES=300 $(BIN)/python -m pytest -q tests/test_openapi.py tests/test_hostile_inputs.py tests/test_nesting.py tests/test_faults.py
	CLUSTERKG_SOAK_S=60 $(BIN)/python -m pytest -q tests/test_sustained_load.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
