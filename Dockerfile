# syntax=docker/dockerfile:1
# 1. Front-end assets: the pinned htmx from npm (never committed).
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev

# 2. The Python package, its dependencies and compiled translations.
FROM python:3.11-slim-bookworm AS build
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
COPY pyproject.toml README.md ./
COPY backend ./backend
RUN /venv/bin/pip install . && /venv/bin/pybabel compile -d backend/translations -D messages

# 3. The runtime image.
FROM python:3.11-slim-bookworm
WORKDIR /app
RUN useradd --create-home --uid 10001 motcua
COPY --from=build /venv /venv
COPY --from=build /app/backend ./backend
COPY frontend ./frontend
COPY migrations ./migrations
COPY --from=assets /src/node_modules/htmx.org/dist/htmx.min.js ./frontend/static/vendor/htmx.min.js
RUN mkdir -p /app/var && chown motcua /app/var
USER motcua
# PYTHONPATH: import the code from /app (beside frontend/ and migrations/), not the copy pip
# put in site-packages, whose paths would miss the templates.
ENV PATH=/venv/bin:$PATH PYTHONPATH=/app PICCOLO_CONF=backend.piccolo_conf VAR_DIR=/app/var PORT=8000
EXPOSE 8000
VOLUME ["/app/var"]
# Migrations run on start; granian needs --interface asgi (its default, RSGI, answers 500s).
CMD ["sh", "-c", "piccolo migrations forwards all && granian --interface asgi --host 0.0.0.0 --port ${PORT} --workers ${WORKERS:-2} backend.app:app"]
