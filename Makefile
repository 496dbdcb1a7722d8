# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
STAGE ?= dev
# Extra pytest arguments, e.g. PYTEST_ARGS="-p randomly --randomly-seed=1234" to replay an order.
PYTEST_ARGS ?=

.PHONY: run test fuzz unit integration e2e lint jslint jstest package deploy bench redrive clean help

help:
	@echo "make run      start the local stack with demo data on http://127.0.0.1:$(PORT)"
	@echo "make test     set up and run every test (unit, integration, e2e, browser, API fuzz)"
	@echo "make fuzz     the API fuzz at depth (HELPDESK_FUZZ_EXAMPLES, default 200 per operation)"
	@echo "make lint     ruff, and mypy --strict on all of chalicelib/"
	@echo "make jslint   ESLint on the portal's JavaScript (make jstest: its unit tests)"
	@echo "make package  chalice package + cfn-lint into build/ (STAGE=dev|prod)"
	@echo "make bench    measure cold start and per-request DynamoDB calls (docs/performance.md)"
	@echo "make deploy   deploy to a real AWS account (see README)"

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (or PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet pip==26.2.1  # chalice 1.34 needs pip<26.3
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

run: $(STAMP)
	bash scripts/ensure-dynamodb-local.sh
	$(PY) -m local --port $(PORT)

# Two workers: the e2e layer (one local stack, one browser) beside unit and integration.
test: $(STAMP)
	bash scripts/ensure-dynamodb-local.sh
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-node-tools.sh
	$(PY) -m pytest -n 2 --dist loadgroup tests $(PYTEST_ARGS)

# The API fuzz at depth: many more schemathesis examples per operation than make test's.
fuzz: $(STAMP)
	bash scripts/ensure-dynamodb-local.sh
	HELPDESK_FUZZ_EXAMPLES=$${HELPDESK_FUZZ_EXAMPLES:-200} $(PY) -m pytest tests/e2e/test_api_schema.py $(PYTEST_ARGS)

unit: $(STAMP)
	bash scripts/ensure-node-tools.sh
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

integration: $(STAMP)
	bash scripts/ensure-dynamodb-local.sh
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

e2e: $(STAMP)
	bash scripts/ensure-dynamodb-local.sh
	bash scripts/ensure-chromium.sh
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy --strict --ignore-missing-imports chalicelib

# The portal's JavaScript: ESLint, and node --test on its pure modules (both also run in make test).
jslint:
	bash scripts/ensure-node-tools.sh
	node node_modules/eslint/bin/eslint.js --max-warnings 0 .

jstest:
	bash scripts/ensure-node-tools.sh
	node --test tests/portal/*.test.js

package: $(STAMP)
	bash scripts/package.sh $(STAGE)

# A real account: see README "Deploying". Never run by tests or CI.
deploy: $(STAMP)
	bash scripts/deploy.sh

# The measured figures in docs/performance.md come from here.
bench: $(STAMP)
	bash scripts/ensure-dynamodb-local.sh
	$(PY) -m bench

# The local stack's DLQ by default; STAGE=dev or prod for a real account.
redrive: $(STAMP)
	$(PY) scripts/redrive.py --stage $(if $(filter command line environment,$(origin STAGE)),$(STAGE),local)

clean:
	rm -rf build .pytest_cache .ruff_cache .tools node_modules
