# Code Runner: one-word commands. `make help` lists them.
.DEFAULT_GOAL := help
VENV := .venv/bin
PYTEST_ARGS ?=

.PHONY: help install run test test-fast test-busy lint fix typecheck pytest bench bench-languages bench-pipeline loadtest selftest content-check web screenshots clean

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

install: ## Install system packages (as root) and the locked Python environment into .venv
	@scripts/bootstrap.sh

run: install ## Run the product on embedded defaults: web :3000, API :4000, data in ./.data
	$(VENV)/coderunner serve

test: ## Run the whole suite: lint, types, unit, sandbox attacks, API (SQLite+PostgreSQL), browser
	@scripts/bootstrap.sh --with-test-tools
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy
	$(VENV)/lint-imports
	$(VENV)/pytest -n 2 $(PYTEST_ARGS)

test-fast: ## The inner loop: the suite without sandbox, server, browser, PostgreSQL or slow tests
	$(VENV)/pytest -n 2 -m "not sandbox and not serve and not browser and not postgres and not slow" $(PYTEST_ARGS)

lint: ## ruff check, format check and the import layers (import-linter)
	$(VENV)/ruff check . && $(VENV)/ruff format --check . && $(VENV)/lint-imports

fix: ## Let ruff fix what it can, then format
	$(VENV)/ruff check --fix . && $(VENV)/ruff format .

typecheck: ## mypy (strict: src, tests and bench)
	$(VENV)/mypy

test-busy: install ## The sandbox suites beside 2 CPU hogs per core (CODERUNNER_TEST_BUSY=N works with any run)
	CODERUNNER_TEST_BUSY=$$(( 2 * $$(nproc) )) $(VENV)/pytest -n 0 tests/sandbox $(PYTEST_ARGS)

pytest: ## pytest only (PYTEST_ARGS=... to pass options)
	$(VENV)/pytest $(PYTEST_ARGS)

loadtest: install ## A class of 30 children for 60 s (Locust) against a local server; SCALED=1 for scaled out
	$(VENV)/python -m bench.loadtest --users $(or $(USERS),30) --seconds $(or $(SECONDS),60) $(if $(SCALED),--scaled)

screenshots: ## Regenerate the screenshots docs/web.md shows, in docs/screenshots/
	CODERUNNER_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(VENV)/pytest -n 0 -m browser tests/web/test_browser.py -k screenshots $(PYTEST_ARGS)

selftest: install ## Prove the sandbox isolates and limits code on this host
	$(VENV)/coderunner selftest

content-check: install ## Check every problem's reference solution and starter code in the sandbox
	$(VENV)/coderunner content check

bench: install ## Sandbox benchmark against bare bwrap (see docs/performance.md)
	$(VENV)/python bench/sandbox.py

bench-languages: install ## Per-language benchmark (Python, JavaScript, Java) against bare bwrap
	$(VENV)/python bench/languages.py

bench-pipeline: install ## Pipeline benchmark over HTTP (starts its own server)
	$(VENV)/python -m bench.pipeline

web: ## Rebuild the committed editor bundle (needs Node and npm)
	cd web && npm ci && npm run build

clean: ## Remove caches (keeps .venv and .data)
	rm -rf .pytest_cache .mypy_cache .ruff_cache test-results
