# The two commands a fresh machine needs: `make local` and `make test`.
# Each creates .venv (Python 3.11) and installs what it needs first.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: venv local test lint bench check clean

$(STAMP): requirements.txt requirements-test.txt flask.com/requirements.txt container/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-test.txt
	touch $(STAMP)

# The virtualenv alone: `python3 deploy.py ...` then re-runs itself in it (fargate_deploy/invocation.py).
venv: $(STAMP)

# Runs the site at http://127.0.0.1:8080 (in Docker when an engine is reachable).
local: $(STAMP)
	$(VENV)/bin/python deploy.py local

# Lint, then every test; container tests skip without a Docker engine unless REQUIRE_DOCKER=1.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

check: $(STAMP)
	$(VENV)/bin/python deploy.py check

bench: $(STAMP)
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache
