# Steward: `make run` serves a demo on http://127.0.0.1:8000, `make test` runs the whole suite.
# Both run on the embedded PostgreSQL in var/postgres (config/dbserver.py) unless DATABASE_URL
# names a server; `make stop` stops the embedded one.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REDIS_HOST ?= 127.0.0.1
REDIS_PORT ?= 6379
SYSTEM_PACKAGES := chromium libharfbuzz-subset0 fonts-noto-core fonts-noto-ui-core gettext redis-server \
  docker-compose poppler-utils
# manage.py, wsgi and Celery default to the production settings (which refuse to start without
# secrets); the development targets say so explicitly.
DEV := DJANGO_SETTINGS_MODULE=config.settings.development
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run stop test install system-packages services lint format bench worker beat messages

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# The translations, compiled from locale/*/LC_MESSAGES/*.po (Babel: no gettext needed).
install: $(STAMP)
	@$(BIN)/python -m config.translations

# Debian packages: Chromium for the browser tests, HarfBuzz-subset and Noto fonts for fast PDF
# letters, gettext for translations, Redis for the tests, docker-compose to validate the compose file,
# poppler-utils (pdftotext) to read the letters back in every script (tests/test_letter_scripts.py).
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null; then \
	    echo "Installing system packages:$$missing"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Please install these packages with your system's package manager:$$missing"; exit 1; \
	  fi; \
	fi

# Redis must answer on its usual port for the tests (the database is the embedded PostgreSQL):
# start the local service when it doesn't.
services:
	@if ! (exec 3<>/dev/tcp/$(REDIS_HOST)/$(REDIS_PORT)) 2>/dev/null; then \
	  if command -v redis-server >/dev/null; then \
	    echo "Starting Redis"; mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true; \
	    redis-server --daemonize yes --bind 127.0.0.1 --port $(REDIS_PORT) --save "" --appendonly no \
	      --dir /tmp --logfile /tmp/steward-redis.log; sleep 1; \
	  else \
	    echo "Redis is not reachable on $(REDIS_HOST):$(REDIS_PORT). Install it (apt-get install redis-server)."; exit 1; \
	  fi; \
	fi

run: install
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(DEV) $(BIN)/python manage.py seed_demo
	@echo "Steward is starting on http://127.0.0.1:8000 — sign in with a demo user printed above."
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

stop:
	@test ! -x $(BIN)/python || $(BIN)/python -m config.dbserver stop

test: install system-packages services
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

worker: install
	$(DEV) $(BIN)/celery -A config worker --queues default,letters,mail,imports,inbox --loglevel INFO

beat: install
	$(DEV) $(BIN)/celery -A config beat --loglevel INFO

bench: install services
	$(BIN)/python -m bench.run

# After changing user-facing strings: update every catalog, translate the new entries, compile.
messages: install
	$(DEV) $(BIN)/python manage.py makemessages --all --no-obsolete --ignore ".venv/*" \
	  --ignore "bench/*" --ignore "tests/*" --ignore "var/*"
	$(BIN)/python -m config.translations
