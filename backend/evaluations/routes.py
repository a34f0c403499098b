"""Every route of this app, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.evaluations.pages import ManagerPages, OfficialPages, PeriodPages

ROUTES: list[Any] = [ManagerPages, PeriodPages, OfficialPages]
