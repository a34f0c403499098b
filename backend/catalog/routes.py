"""Every route of the catalog domain, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.catalog.admin_pages import ADMIN_CONTROLLERS
from backend.catalog.api import AddressApi, ProcedureApi
from backend.catalog.pages import CatalogController, WardOptions

ROUTES: list[Any] = [CatalogController, WardOptions, *ADMIN_CONTROLLERS, ProcedureApi, AddressApi]
