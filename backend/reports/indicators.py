"""Satisfaction, complaints and the Decision 766/QĐ-TTg indicators for a period.

The indicators follow DOMAIN.md's reading of the decision: each is a share computed from the
counters and the feedback tables, with its formula in words (shown on the scorecard) and the
metric whose dossiers it rests on (the drill-down).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from piccolo.query.functions.aggregate import Count

from backend.catalog.tables import Procedure
from backend.complaints.kinds import KIND_LABELS
from backend.complaints.tables import Complaint
from backend.lib.i18n import N_
from backend.ratings import scale
from backend.ratings.tables import Rating
from backend.reports import rollup
from backend.reports.periods import Period
from backend.reports.queries import Figures, share
from backend.settings import get_settings


@dataclass
class Feedback:
    """Ratings and complaints of one agency (0: the whole center) in the period."""

    ratings: int = 0
    satisfied: int = 0
    complaints: int = 0
    answered: int = 0
    answered_on_time: int = 0
    # Ratings per level's name ("Rất hài lòng"...): the 5- and 3-level scales share their
    # names for the levels they both have, so votes on either add up under one name.
    levels: dict[str, int] = field(default_factory=dict)

    @property
    def satisfied_share(self) -> float | None:
        """Hidden (None) under the minimum number of ratings: a share of 3 votes says little."""
        return self.level_share(self.satisfied)

    def level_share(self, count: int) -> float | None:
        if self.ratings < get_settings().report_min_ratings:
            return None
        return share(count, self.ratings)


# The level names in order, best first, as the dashboard's columns.
LEVEL_NAMES = list(scale.LEVELS[5].values())


async def feedback(period: Period, agency: int | None) -> dict[int, Feedback]:
    """Per agency id, and the total under 0."""
    start, end = period.bounds()
    found: dict[int, Feedback] = {0: Feedback()}

    def of(agency_id: int | None) -> list[Feedback]:
        own = found.setdefault(agency_id or 0, Feedback()) if agency_id else None
        return [found[0]] + ([own] if own is not None else [])

    where = (Rating.created_at >= start) & (Rating.created_at < end)
    if agency is not None:
        where &= Rating.agency == agency
    # Counted by the database: a year holds some 250,000 ratings at a million dossiers, which
    # took seconds to bring into Python one row at a time (bench/dashboard.py).
    for r in (
        await Rating.select(
            Rating.agency, Rating.satisfied, Rating.scale, Rating.level, Count().as_alias("n")
        )
        .where(where)
        .group_by(Rating.agency, Rating.satisfied, Rating.scale, Rating.level)
    ):
        name = scale.LEVELS.get(r["scale"], {}).get(r["level"], "")
        for f in of(r["agency"]):
            f.ratings += int(r["n"])
            f.satisfied += int(r["n"]) if r["satisfied"] else 0
            f.levels[name] = f.levels.get(name, 0) + int(r["n"])
    received = (Complaint.received_at >= start) & (Complaint.received_at < end)
    answered = (Complaint.answered_at >= start) & (Complaint.answered_at < end)
    scope = (Complaint.agency == agency) if agency is not None else None
    for r in await Complaint.select(Complaint.agency).where(
        received & scope if scope is not None else received
    ):
        for f in of(r["agency"]):
            f.complaints += 1
    tz = get_settings().time_zone
    for r in await Complaint.select(
        Complaint.agency, Complaint.answered_at, Complaint.answer_due
    ).where(answered & scope if scope is not None else answered):
        on_time = (
            r["answer_due"] is None or r["answered_at"].astimezone(tz).date() <= r["answer_due"]
        )
        for f in of(r["agency"]):
            f.answered += 1
            f.answered_on_time += 1 if on_time else 0
    return found


async def complaints_by_kind(period: Period, agency: int | None) -> list[dict[str, Any]]:
    start, end = period.bounds()
    where = (Complaint.received_at >= start) & (Complaint.received_at < end)
    if agency is not None:
        where &= Complaint.agency == agency
    counts: dict[str, int] = {}
    for r in await Complaint.select(Complaint.kind).where(where):
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    return [{"kind": k, "label": KIND_LABELS.get(k, k), "count": n} for k, n in counts.items()]


async def disliked_or_complained(period: Period, agency: int | None) -> int:
    """Dossiers with a rating below "satisfied" or a complaint in the period (each once),
    counted by the database (the union drops the duplicates)."""
    start, end = period.bounds()
    scope = " AND agency = {}" if agency is not None else ""
    only = [agency] if agency is not None else []
    rows = await Rating.raw(
        "SELECT COUNT(*) AS n FROM ("
        "SELECT dossier FROM rating WHERE created_at >= {} AND created_at < {} "
        f"AND satisfied = {{}} AND dossier IS NOT NULL{scope} "
        "UNION SELECT dossier FROM complaint WHERE received_at >= {} AND received_at < {} "
        f"AND dossier IS NOT NULL{scope}) AS unhappy",
        start,
        end,
        False,
        *only,
        start,
        end,
        *only,
    )
    return int(rows[0]["n"]) if rows else 0


@dataclass(frozen=True)
class Indicator:
    group: str
    name: str
    formula: str
    value: float | None
    target: float | None  # the share that earns the full score, where the decision sets one
    metric: str = ""  # the drill-down behind it

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target


async def _online_split(period: Period, agency: int | None) -> tuple[int, int]:
    """Online dossiers of fully online procedures, and of partly online ones."""
    levels = {
        r["id"]: r["online_level"]
        for r in await Procedure.select(Procedure.id, Procedure.online_level)
    }
    where, values = "channel = 2", list[Any]()
    if agency is not None:
        where += " AND agency = {}"
        values.append(agency)
    full = partial = 0
    rows = await rollup.summed(
        "SUM(received) AS n", period.first, period.last, "procedure", where, tuple(values)
    )
    for r in rows:
        if levels.get(r["procedure"]) == "toàn trình":
            full += int(r["n"] or 0)
        else:
            partial += int(r["n"] or 0)
    return full, partial


async def scorecard(period: Period, total: Figures, agency: int | None) -> list[Indicator]:
    """The indicators in the order the decision lists its groups."""
    fb = (await feedback(period, agency))[0]
    full, partial = await _online_split(period, agency)
    procedures = await Procedure.select(Procedure.online_level).where(Procedure.active.eq(True))
    offered = sum(1 for p in procedures if p["online_level"] in ("toàn trình", "một phần"))
    received, finished = total["received"], total.finished
    late_share = share(total["late"], finished)
    unhappy_share = share(await disliked_or_complained(period, agency), finished)
    handling = (
        None if late_share is None or unhappy_share is None else 100 - late_share - unhappy_share
    )
    return [
        Indicator(
            N_("Tiến độ, kết quả giải quyết"),
            N_("Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn"),
            N_(
                "(trước hạn + đúng hạn) ÷ số hồ sơ đã giải quyết trong kỳ, theo ngày hẹn trên "
                "giấy tiếp nhận (mẫu 01); yêu cầu bổ sung quá một lần tính là trễ hạn"
            ),
            total.on_time_share,
            None,
            "late",
        ),
        Indicator(
            N_("Số hóa hồ sơ"),
            N_("Tỷ lệ số hóa hồ sơ"),
            N_(
                "hồ sơ tiếp nhận có bản điện tử (trực tuyến, hoặc trực tiếp có chụp lưu) ÷ hồ sơ "
                "tiếp nhận"
            ),
            share(total["received_counter"] + total["received_online"], received),
            80.0,
            "received_post",
        ),
        Indicator(
            N_("Số hóa hồ sơ"),
            N_("Tỷ lệ trả kết quả điện tử"),
            N_("hồ sơ có kết quả bản điện tử ÷ hồ sơ đã giải quyết"),
            share(total["electronic_results"], finished),
            None,
            "electronic_results",
        ),
        Indicator(
            N_("Cung cấp dịch vụ công trực tuyến"),
            N_("Tỷ lệ hồ sơ trực tuyến"),
            N_("hồ sơ nộp trực tuyến ÷ hồ sơ tiếp nhận"),
            share(total["received_online"], received),
            50.0,
            "received_online",
        ),
        Indicator(
            N_("Cung cấp dịch vụ công trực tuyến"),
            N_("Trong đó: trực tuyến toàn trình"),
            N_("hồ sơ trực tuyến của thủ tục toàn trình ÷ hồ sơ tiếp nhận"),
            share(full, received),
            None,
            "received_online",
        ),
        Indicator(
            N_("Cung cấp dịch vụ công trực tuyến"),
            N_("Trong đó: trực tuyến một phần"),
            N_("hồ sơ trực tuyến của thủ tục một phần ÷ hồ sơ tiếp nhận"),
            share(partial, received),
            None,
            "received_online",
        ),
        Indicator(
            N_("Cung cấp dịch vụ công trực tuyến"),
            N_("Tỷ lệ thủ tục cung cấp trực tuyến"),
            N_("thủ tục đang áp dụng có dịch vụ công trực tuyến ÷ thủ tục đang áp dụng"),
            share(offered, len(procedures)),
            80.0,
            "",
        ),
        Indicator(
            N_("Mức độ hài lòng"),
            N_("Mức độ hài lòng trong giải quyết thủ tục"),
            N_(
                "100 trừ đi tỷ lệ phần trăm hồ sơ trễ hạn và tỷ lệ phần trăm hồ sơ có phản ánh, "
                "kiến nghị hoặc đánh giá không hài lòng, trên số hồ sơ đã giải quyết"
            ),
            handling,
            90.0,
            "late",
        ),
        Indicator(
            N_("Mức độ hài lòng"),
            N_("Tỷ lệ đánh giá hài lòng"),
            N_("lượt đánh giá hài lòng hoặc rất hài lòng ÷ lượt đánh giá (ẩn khi quá ít lượt)"),
            fb.satisfied_share,
            None,
            "",
        ),
        Indicator(
            N_("Mức độ hài lòng"),
            N_("Tỷ lệ phản ánh, kiến nghị được trả lời đúng hạn"),
            N_("phản ánh, kiến nghị trả lời trong hạn ÷ phản ánh, kiến nghị đã trả lời trong kỳ"),
            share(fb.answered_on_time, fb.answered),
            None,
            "",
        ),
    ]
