"""Every route of the dossiers domain, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.dossiers import events, listeners, results
from backend.dossiers.api import DossierActionApi, DossierApi, TrackApi
from backend.dossiers.backoffice_controllers import (
    ActionController,
    BackofficeController,
    IntakeController,
)
from backend.dossiers.controllers import DossierController
from backend.dossiers.forms import FormsController
from backend.dossiers.workflow import Action

ROUTES: list[Any] = [
    DossierController,
    BackofficeController,
    IntakeController,
    FormsController,
    ActionController,
    DossierApi,
    DossierActionApi,
    TrackApi,
]


def connect() -> None:
    """The dossier's own listeners, and its event chain made known to `audit verify`."""
    events.declare()
    listeners.on_transition(Action.APPROVE, results.electronic_result_available)
