"""Every route of the dossiers domain, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.dossiers.api import DossierActionApi, DossierApi, TrackApi
from backend.dossiers.backoffice_controllers import (
    ActionController,
    BackofficeController,
    IntakeController,
)
from backend.dossiers.controllers import DossierController
from backend.dossiers.forms import FormsController

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
