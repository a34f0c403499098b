"""The reports' routes, registered by backend.app, and the listener that keeps the counters."""

from __future__ import annotations

from typing import Any

from backend.dossiers import listeners
from backend.reports import counting
from backend.reports.pages.dashboard import ReportPages
from backend.reports.pages.exports import ReportExports
from backend.reports.pages.public import PublicStatisticsController

ROUTES: list[Any] = [ReportPages, ReportExports, PublicStatisticsController]


def connect() -> None:
    for action in counting.COUNTED:
        listeners.on_transition(action, counting.count_step)
