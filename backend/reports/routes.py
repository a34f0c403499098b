"""The reports' routes, registered by backend.app, and the listener that keeps the counters."""

from __future__ import annotations

from typing import Any

from backend.dossiers import listeners
from backend.reports import counting
from backend.reports.pages import ReportPages

ROUTES: list[Any] = [ReportPages]


def connect() -> None:
    for action in counting.COUNTED:
        listeners.on_transition(action, counting.count_step)
