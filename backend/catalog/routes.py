"""Every route of the catalog domain, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.catalog.api import ProcedureApi
from backend.catalog.controllers import AdminCalendarController, CatalogController

ROUTES: list[Any] = [CatalogController, AdminCalendarController, ProcedureApi]
