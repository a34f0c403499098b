"""Dossiers overdue at the end of a past period, per agency, for the periodic report.

The daily counters say how many dossiers were still in progress when a period ended
(queries.Figures.in_progress), not which of them had passed form 01's date then; the open
dossiers' figures (`overdue_now`) are only true today. So, for a period that has ended: the
dossiers received before its end and not closed by then (closing sets finished_at, never
cleared), whose state at the end (the last event before it) is one where the clock runs, and
whose appointment lies before the day after the period, the rule `overdue_now` applies on that
day. A few rows at most: the filter on finished_at keeps the closed ones out before the
per-dossier look at the events.
"""

from __future__ import annotations

from typing import Any

from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import OPEN_STATES
from backend.reports.periods import Period

_RUNNING = sorted(s.value for s in OPEN_STATES)  # the clock runs (not waiting for papers)


async def overdue_at_end(period: Period, agency: int | None = None) -> dict[int, int]:
    """{agency id: dossiers in progress past their date when the period ended}."""
    _, end = period.bounds()
    day_after = period.last.fromordinal(period.last.toordinal() + 1)
    values: list[Any] = [end, day_after, end]
    scope = ""
    if agency is not None:
        scope = " AND d.agency = {}"
        values.append(agency)
    values.extend([end, *_RUNNING])
    states = ", ".join("{}" for _ in _RUNNING)
    rows = await Dossier.raw(
        "SELECT d.agency AS agency, COUNT(*) AS n FROM dossier d "
        "WHERE d.received_at < {} AND d.promised_date < {} "
        "AND (d.finished_at IS NULL OR d.finished_at >= {})" + scope + " AND ("
        "SELECT e.state_to FROM dossier_event e WHERE e.dossier = d.id AND e.at < {} "
        f"ORDER BY e.at DESC, e.id DESC LIMIT 1) IN ({states}) GROUP BY d.agency",
        *values,
    )
    return {int(r["agency"] or 0): int(r["n"]) for r in rows}
