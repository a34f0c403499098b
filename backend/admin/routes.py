"""Every route of the administration, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.admin.controllers import ADMIN_CONTROLLERS

ROUTES: list[Any] = [*ADMIN_CONTROLLERS]
