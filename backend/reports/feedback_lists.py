"""The ratings and complaints behind the dashboard's satisfaction and complaint numbers, read
with the same conditions as indicators.feedback (so a list holds as many lines as its number).

- "ratings": every rating of the period (from a dossier's page or a counter's tablet), with
  its level.
- "complaints": complaints received in the period; "answered": answered in it, each marked
  on time or late by the same rule (answered on or before its due date).
"""

from __future__ import annotations

from typing import Any

from backend.complaints.kinds import KIND_LABELS
from backend.complaints.tables import Complaint
from backend.lib.i18n import N_
from backend.lib.pagination import PAGE_SIZE, Page, paginate
from backend.ratings import scale
from backend.ratings.tables import Rating
from backend.reports.periods import Period
from backend.settings import get_settings

LISTS: dict[str, str] = {
    "ratings": N_("Lượt đánh giá"),
    "complaints": N_("Phản ánh, kiến nghị tiếp nhận"),
    "answered": N_("Phản ánh, kiến nghị đã trả lời"),
}


async def ratings(
    which: str, period: Period, agency: int | None, number: int, query: dict[str, str]
) -> Page[dict[str, Any]]:
    start, end = period.bounds()
    where: Any = (Rating.created_at >= start) & (Rating.created_at < end)
    if agency is not None:
        where &= Rating.agency == agency
    select = (
        Rating.select(
            Rating.id,
            Rating.created_at,
            Rating.source,
            Rating.scale,
            Rating.level,
            Rating.satisfied,
            Rating.dossier,
            Rating.dossier.code.as_alias("code"),
            Rating.agency.name.as_alias("agency_name"),
        )
        .where(where)
        .order_by(Rating.created_at)
        .order_by(Rating.id)
    )
    page = await paginate(select, Rating.count().where(where), number, PAGE_SIZE, query)
    for row in page.rows:
        row["level_name"] = scale.LEVELS.get(row["scale"], {}).get(row["level"], "")
    return page


async def complaints(
    which: str, period: Period, agency: int | None, number: int, query: dict[str, str]
) -> Page[dict[str, Any]]:
    start, end = period.bounds()
    moment = Complaint.answered_at if which == "answered" else Complaint.received_at
    where: Any = (moment >= start) & (moment < end)
    if agency is not None:
        where &= Complaint.agency == agency
    select = (
        Complaint.select(
            Complaint.id,
            Complaint.code,
            Complaint.kind,
            Complaint.received_at,
            Complaint.answered_at,
            Complaint.answer_due,
            Complaint.agency.name.as_alias("agency_name"),
        )
        .where(where)
        .order_by(moment)
        .order_by(Complaint.id)
    )
    page = await paginate(select, Complaint.count().where(where), number, PAGE_SIZE, query)
    zone = get_settings().time_zone
    for row in page.rows:
        row["kind_label"] = KIND_LABELS.get(row["kind"], row["kind"])
        answered = row["answered_at"]
        row["on_time"] = (
            None
            if answered is None
            else row["answer_due"] is None or answered.astimezone(zone).date() <= row["answer_due"]
        )
    return page


async def page_of(
    which: str, period: Period, agency: int | None, number: int, query: dict[str, str]
) -> Page[dict[str, Any]]:
    if which == "ratings":
        return await ratings(which, period, agency, number, query)
    return await complaints(which, period, agency, number, query)
