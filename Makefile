# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON_BIN ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
# Debian packages the project needs: Japanese fonts for PDFs, gettext for translations,
# Chromium for browser tests, poppler and zbar to read rendered PDFs and QR codes back.
APT_PACKAGES := fonts-noto-cjk fonts-ipaexfont-gothic gettext chromium poppler-utils zbar-tools
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The suite runs on this many processes (pytest-xdist); 0 runs it in make's own process.
PYTEST_WORKERS ?= 2
# The development targets run with DEBUG on unless the environment says otherwise: with DEBUG
# off the settings refuse the development SECRET_KEY (README, "本番運用 / Production").
DEV := DEBUG=$${DEBUG:-1}

.PHONY: run test test-instants install system-deps messages migrate demo check format lock bench fuzz

install: $(STAMPS)/system $(STAMPS)/python messages

$(STAMPS)/system: Makefile
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/python: pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	@mkdir -p $(STAMPS) && touch $@

messages: $(MO_FILES)

locale/%.mo: locale/%.po
	msgfmt --check-format -o $@ $<

migrate: install
	$(DEV) $(PY) manage.py migrate --noinput

demo: migrate
	$(DEV) $(PY) manage.py seed_demo

# Serves the site and a django-q2 worker together; Ctrl-C stops both. The worker runs under
# its watchdog, which restarts it when it stops taking work (README, "Background work").
run: demo
	@echo ""
	@echo "Tsunagu is at http://$(HOST):$(PORT)/  (Ctrl-C stops the site and the worker)"
	@DEBUG=$${DEBUG:-1}; export DEBUG; \
	$(PY) manage.py qcluster_watchdog & QPID=$$!; \
	trap 'kill $$QPID 2>/dev/null; wait $$QPID 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV) $(VENV)/bin/mypy
	$(DEV) $(PY) manage.py check
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

test: check
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The whole suite again at each instant that has broken such systems (tests/clock.py): quiet
# hours, the fiscal year's last and first minutes, a Saturday, a holiday, the year-end closure.
# One instant: TSUNAGU_TEST_NOW=2027-03-31T23:50+09:00 make test
test-instants: check
	@for instant in $$($(PY) -m tests.clock); do \
	  echo "=== the suite at $$instant"; \
	  TSUNAGU_TEST_NOW=$$instant $(PY) -m pytest -q -n $(PYTEST_WORKERS) -m "not walk" $(PYTEST_ARGS) || exit 1; \
	done

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Rewrites constraints.txt from what the venv holds after a change to pyproject.toml.
lock:
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

# Every benchmark, on the database DATABASE_URL names (each makes and drops its own database).
bench: install
	$(PY) bench/booking.py
	$(PY) bench/checkin.py
	$(PY) bench/kpi.py
	$(PY) bench/notify.py
	$(PY) bench/matching.py
	$(PY) bench/surveys.py

# Many more generated requests than the suite's fuzz tests send (tests/fuzz, README "Input that
# is refused"); a few minutes.
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -n 0 tests/fuzz
