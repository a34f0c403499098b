"""Every route of the accounts domain, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.accounts.admin_pages import AdminHomeController, StaffController
from backend.accounts.api import AuthApi
from backend.accounts.oidc.pages import OidcController
from backend.accounts.pages import AccountController, DevicesController, PhoneController

ROUTES: list[Any] = [
    AccountController,
    PhoneController,
    DevicesController,
    OidcController,
    AuthApi,
    AdminHomeController,
    StaffController,
]
