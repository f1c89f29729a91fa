# One image for web, workers and beat (docker-compose.yml). Debian, like the development machines.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

# HarfBuzz-subset + Noto fonts: fast PDF letters in every script; Pango for WeasyPrint; gettext
# to compile the translations; curl for the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-noto-ui-core \
      gettext curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install .
COPY . .
# Build steps need settings but no database or secrets: the development settings with a
# placeholder URL that is never connected to.
RUN export DJANGO_SETTINGS_MODULE=config.settings.development DATABASE_URL=postgres://build@localhost/none \
 && python manage.py collectstatic --noinput -v0 \
 && python -m config.translations \
 && useradd --system --home /app steward \
 && mkdir -p /app/var/media /app/var/private /app/var/backups /tmp/prometheus \
 && chown -R steward /app/var /tmp/prometheus \
 && chmod 0700 /app/var/private /app/var/backups
USER steward

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD curl -fsS http://localhost:8000/healthz || exit 1
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.py"]
