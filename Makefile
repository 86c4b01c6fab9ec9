# The two commands a newcomer runs: `make run` and `make test`. Everything they need is
# installed and started from here (see docs/operations.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
export PYTHONUNBUFFERED := 1

.PHONY: run test setup migrate messages bench lint

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)
	bash scripts/os_deps.sh
	$(PY) scripts/bootstrap.py

migrate: setup
	DB_ROLE=owner $(PY) manage.py migrate --noinput

messages:
	$(PY) manage.py compilemessages --ignore=.venv -v 0

run: migrate messages
	$(PY) manage.py seed_demo
	@echo ""
	@echo "ShopCRM is starting on http://127.0.0.1:8000  (Ctrl-C stops web, worker and beat)"
	@echo "  owner    owner@demo.shopcrm.test    / demo-owner-pass"
	@echo "  manager  manager@demo.shopcrm.test  / demo-manager-pass"
	@echo "  agent    agent@demo.shopcrm.test    / demo-agent-pass"
	@echo "  API docs http://127.0.0.1:8000/api/docs/   admin http://127.0.0.1:8000/admin/"
	@echo ""
	$(VENV)/bin/honcho start -f Procfile

test: setup messages
	$(PY) scripts/bootstrap.py --fresh-test-db
	$(PY) -m pytest

bench: migrate
	$(PY) -m bench.run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
