# syntax=docker/dockerfile:1
# Build: docker build -t motcua .      Run: README.md, "Docker".

# 1. Front-end assets: the pinned htmx from npm (never committed). Node stays in this stage.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev

# 2. The Python dependencies from the lock, then the code with its compiled translations.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# A venv without pip, setuptools or wheel: the image's own pip installs into it (--python).
RUN python -m venv --without-pip /venv
# Only the lock before this step: a change to the code reuses the installed dependencies.
COPY requirements.lock /tmp/requirements.lock
RUN pip --python /venv/bin/python install --require-hashes -r /tmp/requirements.lock
WORKDIR /app
COPY backend ./backend
# The project is not pip-installed: it runs from /app beside frontend/ and migrations/ (its
# paths are relative to the source tree), so the image holds one copy of backend/.
RUN /venv/bin/pybabel compile -d backend/translations -D messages \
    && /venv/bin/python -m compileall -q --invalidation-mode checked-hash backend

# 3. The runtime image: the venv and the app, no compiler, no Node, no build tools.
FROM python:3.11-slim-bookworm
RUN groupadd --gid 10001 motcua && useradd --create-home --uid 10001 --gid 10001 motcua
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build /app/backend ./backend
COPY frontend ./frontend
COPY migrations ./migrations
COPY --from=assets /src/node_modules/htmx.org/dist/htmx.min.js ./frontend/static/vendor/htmx.min.js
COPY docker/entrypoint.sh ./docker/entrypoint.sh
# A bind-mounted var/ must be writable by uid 10001 too (README, "Docker").
RUN mkdir -p /app/var && chown motcua:motcua /app/var
# Numeric, so that a platform can check it is not root without reading /etc/passwd.
USER 10001:10001
ENV PATH=/venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 \
    PICCOLO_CONF=backend.piccolo_conf VAR_DIR=/app/var PORT=8000
EXPOSE 8000
VOLUME ["/app/var"]
# Healthy when /healthz answers and the database answers it (no curl in the image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import json, os, urllib.request as u; r = u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4); raise SystemExit(0 if json.load(r)['database'] is True else 1)"]
# Migrations (and DEMO_DATA=1), then `exec granian`: PID 1 is the server, so SIGTERM stops it.
ENTRYPOINT ["/app/docker/entrypoint.sh"]
