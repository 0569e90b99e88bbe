# The two commands a newcomer runs: `make serve` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make serve` installs the server and what it runs on; `make test` adds the development tools (pytest,
# ruff, mypy, the official clients, Playwright), most of a first install's time.
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check --prefer-binary --no-compile
# The official JavaScript client for the suite's b24jssdk test; skipped (with the reason) without npm.
JS := tests/js
JS_STAMP := $(JS)/node_modules/.installed

.PHONY: serve test check bench clean

$(BIN)/python:
	@echo "== creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	@echo "== installing b24crm and its runtime dependencies into $(VENV)"
	$(PIP_INSTALL) -e .
	touch $(RUNTIME_STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	@echo "== installing b24crm with the development tools into $(VENV)"
	$(PIP_INSTALL) -e '.[dev]'
	touch $(DEV_STAMP) $(RUNTIME_STAMP)

$(JS_STAMP): $(JS)/package-lock.json
	@if command -v npm >/dev/null; then \
		echo "== installing the b24jssdk test's client into $(JS)/node_modules"; \
		npm ci --prefix $(JS) --silent --no-audit --no-fund && touch $(JS_STAMP); \
	else echo "npm not found: the b24jssdk test will be skipped"; fi

serve: $(RUNTIME_STAMP)
	@echo "== starting b24crm: migrating the database, then (on the first start) creating the demo portal"
	$(BIN)/b24crm serve $(ARGS)

# The suite's tests are independent (each has its own portal, scratch databases and ports), so they run in
# one pytest process per core; TEST_WORKERS=0 runs them in this process (pdb, print debugging).
TEST_WORKERS ?= auto
test: $(DEV_STAMP) $(JS_STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(ARGS)

check: $(DEV_STAMP)
	$(BIN)/ruff check b24crm tests bench
	$(BIN)/ruff format --check b24crm tests bench
	$(BIN)/mypy b24crm

bench: $(DEV_STAMP)
	$(BIN)/python -m bench core $(ARGS)

clean:
	rm -rf $(VENV) $(JS)/node_modules b24crm.db b24crm.db-wal b24crm.db-shm b24crm-data .pytest_cache
