"""Every route of the catalog domain, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.catalog.admin_pages import ADMIN_CONTROLLERS
from backend.catalog.api import ProcedureApi
from backend.catalog.pages import CatalogController

ROUTES: list[Any] = [CatalogController, *ADMIN_CONTROLLERS, ProcedureApi]
