"""Start-up wiring: every domain connects its listeners to the events of the domains below it.

Domains never import the ones above them (import-linter checks it in `make test`); instead a
domain above registers handlers for what happens below: a dossier's transitions
(backend.dossiers.listeners), the panels of the dossier page (backend.dossiers.panels), sign-in
and sign-out (backend.accounts.hooks); and each declares the columns that refer to stored files
(backend.lib.cleanup). `connect()` is idempotent and runs in `create_app()`,
in every command-line entry point that changes data, and in the test suite's setup.
"""

from __future__ import annotations

from backend.complaints import routes as complaints
from backend.dossiers import routes as dossiers
from backend.notifications import routes as notifications
from backend.postal import routes as postal
from backend.ratings import routes as ratings
from backend.reports import routes as reports


def connect() -> None:
    dossiers.connect()
    complaints.connect()
    notifications.connect()
    postal.connect()
    ratings.connect()
    reports.connect()
