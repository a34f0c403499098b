"""Every route of the dossiers domain, registered by backend.app; its own listeners."""

from __future__ import annotations

from typing import Any

from backend.accounts import hooks
from backend.dossiers import claims, events, listeners, results
from backend.dossiers.api import DossierActionApi, DossierApi, DraftApi, TrackApi
from backend.dossiers.pages.citizen import CITIZEN_PAGES
from backend.dossiers.pages.printed import PrintedFormPages
from backend.dossiers.pages.register import RegisterPages
from backend.dossiers.pages.staff import STAFF_PAGES
from backend.dossiers.tables import DossierFile
from backend.dossiers.workflow import Action
from backend.lib import cleanup

ROUTES: list[Any] = [
    *CITIZEN_PAGES,
    *STAFF_PAGES,
    PrintedFormPages,
    RegisterPages,
    DossierApi,
    DossierActionApi,
    DraftApi,
    TrackApi,
]


def connect() -> None:
    """The dossier's own listeners, its event chain made known to `audit verify`, its pages
    kept by the cleanup of stored files."""
    events.declare()
    hooks.on_phone_proven(claims.claim_by_proven_phone)
    cleanup.refers_to_files(DossierFile.sha256)
    listeners.on_transition(Action.APPROVE, results.electronic_result_available)
