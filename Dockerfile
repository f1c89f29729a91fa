# One image for web, worker and beat (docker-compose.yml). Debian, like the development machines.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

# HarfBuzz-subset + Noto fonts: fast PDF letters in every script; Pango for WeasyPrint.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-noto-ui-core \
      gettext curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install .
COPY . .
RUN DJANGO_SETTINGS_MODULE=config.settings.base python manage.py collectstatic --noinput -v0 \
 && useradd --system --home /app steward && mkdir -p /app/var/media && chown -R steward /app/var
USER steward

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.py"]
