# Stage 1: build front-end assets into /app/build/static
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY searchlog/assets/ searchlog/assets/
# If the bundler needs a root-level config file (webpack/vite/postcss/tailwind...),
# COPY it here as well.
RUN npm run build

# Stage 2: Python runtime
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

RUN groupadd --system --gid 1000 app \
 && useradd --system --uid 1000 --gid app --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin app

COPY requirements.txt .
RUN pip install -r requirements.txt

# Code and static files stay root-owned (read-only for the app user).
COPY . .
COPY --from=assets /app/build/static ./build/static

# Dummy values only for this command; real ones come from the runtime env.
RUN SECRET_KEY=collectstatic-dummy-key \
    SEARCHLOG_AUDIT_KEY=collectstatic-dummy-audit-key-not-used-at-runtime \
    DEBUG=false \
    DATABASE_URL=postgres://build:build@localhost:5432/build \
    python manage.py collectstatic --noinput

# The audit checkpoints' folder (a volume in docker-compose) belongs to the app user.
RUN mkdir -p /var/lib/searchlog/audit-checkpoints && chown -R app:app /var/lib/searchlog

USER app
ENV DEBUG=false \
    WEB_CONCURRENCY=3
EXPOSE 8000
# Workers default to $WEB_CONCURRENCY (gunicorn reads it); override with
# GUNICORN_CMD_ARGS="--workers N --threads M" if needed.
CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--threads", "4", \
     "--timeout", "60", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", \
     "--error-logfile", "-"]
