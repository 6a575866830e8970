# The interface: `make run` and `make test` create the environment when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= data

.PHONY: run test sample bench lint format help dashboard messages

help:
	@echo "make run    - create .venv if missing, write sample data if data/raw is empty, run the pipeline"
	@echo "make test   - create .venv if missing, run the test suite"
	@echo "make lint   - ruff check and format check"
	@echo "make bench  - benchmark (BENCH_CASES=1000000 by default)"
	@echo "make dashboard - the local web page on http://127.0.0.1:8050 (DASHBOARD_PORT=8050)"
	@echo "make messages - extract the printed messages into the Vietnamese catalogue, compile it"

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

DASHBOARD_PORT ?= 8050
dashboard: $(STAMP)
	$(BIN)/cchc dashboard --data-dir $(DATA_DIR) --port $(DASHBOARD_PORT)

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

# The Vietnamese messages (flows/i18n.py): extract every marked message of flows/ (babel.cfg),
# merge them into the .po (new ones untranslated: translate them, then run this again) and
# compile the .mo that ships beside it.
LOCALE := flows/locale
messages: $(STAMP)
	mkdir -p build
	$(BIN)/pybabel -q extract -F babel.cfg --no-wrap --project=cchc --version=0.1.0 \
		-o build/cchc.pot flows
	$(BIN)/pybabel -q update -D cchc -d $(LOCALE) -i build/cchc.pot -l vi --no-wrap \
		--ignore-obsolete
	$(BIN)/pybabel compile -D cchc -d $(LOCALE) -l vi --statistics
