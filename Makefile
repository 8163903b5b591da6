# Feltbok: `make demo` runs the app with demo data, `make test` runs lint and the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DEMO_ENV := FELTBOK_DEBUG=1 FELTBOK_DEMO=1
# Development settings for build steps that need no secrets (compiling messages, checks).
DEV_ENV := FELTBOK_DEBUG=1
PYTEST_WORKERS ?= 2

.PHONY: demo test install install-test messages chromium lint format serve seed clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Translations are compiled from the committed .po files (needs GNU gettext's msgfmt).
messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	$(DEV_ENV) $(PY) manage.py compilemessages --verbosity 0 --ignore '.venv'

# Browser tests drive Debian's Chromium; never `playwright install`.
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

demo: install messages
	mkdir -p var
	$(DEMO_ENV) $(PY) manage.py migrate --verbosity 0
	$(DEMO_ENV) $(PY) manage.py seed_demo --if-empty
	$(DEMO_ENV) $(PY) manage.py demo_logins
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit --quiet --recursive feltbok --exclude '*/tests/*,*/migrations/*' --severity-level medium

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install-test chromium messages lint
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run --verbosity 0
	$(PY) -m pytest -n $(PYTEST_WORKERS) -q

clean:
	rm -rf $(VENV) var
