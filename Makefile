# The two commands a newcomer runs: `make serve` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The official JavaScript client for the suite's b24jssdk test; skipped (with the reason) without npm.
JS := tests/js
JS_STAMP := $(JS)/node_modules/.installed

.PHONY: serve test check bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(JS_STAMP): $(JS)/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix $(JS) --silent --no-audit --no-fund && touch $(JS_STAMP); \
	else echo "npm not found: the b24jssdk test will be skipped"; fi

serve: $(STAMP)
	$(BIN)/b24crm serve $(ARGS)

test: $(STAMP) $(JS_STAMP)
	$(BIN)/python -m pytest $(ARGS)

check: $(STAMP)
	$(BIN)/ruff check b24crm tests bench
	$(BIN)/ruff format --check b24crm tests bench
	$(BIN)/mypy b24crm

bench: $(STAMP)
	$(BIN)/python -m bench core $(ARGS)

clean:
	rm -rf $(VENV) $(JS)/node_modules b24crm.db b24crm.db-wal b24crm.db-shm b24crm-data .pytest_cache
