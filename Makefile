# The interface: `make run` and `make test` create the environment when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= data

.PHONY: run test sample bench lint format help

help:
	@echo "make run    - create .venv if missing, write sample data if data/raw is empty, run the pipeline"
	@echo "make test   - create .venv if missing, run the test suite"
	@echo "make lint   - ruff check and format check"
	@echo "make bench  - benchmark (BENCH_CASES=1000000 by default)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	@if [ -z "$$(find $(DATA_DIR)/raw -type f ! -name .gitkeep 2>/dev/null | head -n 1)" ]; then \
		echo "$(DATA_DIR)/raw is empty: writing the sample province-year"; \
		$(BIN)/cchc sample --data-dir $(DATA_DIR); \
	fi
	@status=0; $(BIN)/cchc run --data-dir $(DATA_DIR) || status=$$?; \
	if [ $$status -eq 0 ] || [ $$status -eq 3 ]; then $(BIN)/cchc report --data-dir $(DATA_DIR); fi; \
	exit $$status

# BENCH_CASES=10000000 make bench for the large run; openpyxl is the peer script's reader.
BENCH_CASES ?= 1000000
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet 'openpyxl>=3.1' 'fastexcel>=0.12'
	$(BIN)/cchc bench --cases $(BENCH_CASES) --workdir .bench

sample: $(STAMP)
	$(BIN)/cchc sample --data-dir $(DATA_DIR)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
