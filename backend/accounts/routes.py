"""Every route of the accounts domain, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.accounts.api import AuthApi
from backend.accounts.controllers import AccountController

ROUTES: list[Any] = [AccountController, AuthApi]
