"""Every route of the postal app, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.postal.address_controllers import ADDRESS_CONTROLLERS
from backend.postal.admin_pages import ADMIN_CONTROLLERS
from backend.postal.api import PostalApi
from backend.postal.controllers import POSTAL_PAGES

ROUTES: list[Any] = [*ADDRESS_CONTROLLERS, *POSTAL_PAGES, PostalApi, *ADMIN_CONTROLLERS]
