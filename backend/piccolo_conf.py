"""Piccolo's configuration: the engine from settings and the registry of domain apps.

`PICCOLO_CONF=backend.piccolo_conf` points Piccolo's CLI here (set by the Makefile).
"""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from backend.lib.sqlite_engine import PooledSQLiteEngine
from backend.settings import get_settings


def make_engine() -> Engine:
    settings = get_settings()
    if settings.is_sqlite:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        # Connections kept open (one writer, a few readers): see backend/lib/sqlite_engine.py.
        # timeout: writers of other processes wait for each other (immediate transactions)
        # instead of failing at once with "database is locked".
        return PooledSQLiteEngine(path=str(settings.sqlite_path), readers=3, timeout=30)
    return PostgresEngine(config={"dsn": settings.database_url})


DB = make_engine()

APP_REGISTRY = AppRegistry(
    apps=[
        "backend.audit.piccolo_app",
        "backend.accounts.piccolo_app",
        "backend.catalog.piccolo_app",
        "backend.dossiers.piccolo_app",
        "backend.notifications.piccolo_app",
        "backend.postal.piccolo_app",
        "backend.ratings.piccolo_app",
        "backend.complaints.piccolo_app",
        "backend.evaluations.piccolo_app",
        "backend.reports.piccolo_app",
    ]
)
