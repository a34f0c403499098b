"""Demo data for evaluations: a criteria set and an open period for the current quarter.

Idempotent (matched by name): `await backend.evaluations.demo.load()` from the demo loader, or
`python -m backend.evaluations.demo` on its own after `python -m backend.demo`.
"""

from __future__ import annotations

import asyncio
from datetime import date

from backend.evaluations.rules import PeriodStatus, today
from backend.evaluations.tables import CriteriaSet, Criterion, EvaluationPeriod
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction

SET_NAME = "Tiêu chí đánh giá phối hợp và phục vụ năm {year}"
CRITERIA = [
    ("Tinh thần phối hợp, hỗ trợ khi giải quyết thủ tục liên thông", 10),
    ("Giải quyết hồ sơ đúng hạn, đúng quy trình", 10),
    ("Thái độ phục vụ, văn hóa ứng xử với người dân, doanh nghiệp", 10),
    ("Công khai, minh bạch thông tin thủ tục hành chính", 5),
    ("Ứng dụng dịch vụ công trực tuyến, số hóa hồ sơ", 5),
]
QUARTERS = ("I", "II", "III", "IV")


def quarter_of(day: date) -> tuple[str, date, date]:
    """("Quý IV/2026", 2026-10-01, 2026-12-31) for a day in that quarter."""
    q = (day.month - 1) // 3
    start = date(day.year, 3 * q + 1, 1)
    end = date(day.year + 1, 1, 1) if q == 3 else date(day.year, 3 * q + 4, 1)
    return f"Quý {QUARTERS[q]}/{day.year}", start, date.fromordinal(end.toordinal() - 1)


async def load() -> dict[str, int]:
    counts = {"criteria_sets": 0, "periods": 0}
    now = utcnow()
    name, start, end = quarter_of(today())
    set_name = SET_NAME.format(year=start.year)
    async with write_transaction():
        row = await CriteriaSet.select(CriteriaSet.id).where(CriteriaSet.name == set_name).first()
        if row is None:
            criteria_set = CriteriaSet(
                name=set_name,
                description="Dùng cho đánh giá chéo giữa các cơ quan, tự đánh giá của cán bộ "
                "và Trung tâm chấm điểm các cơ quan.",
                created_at=now,
                updated_at=now,
            )
            await criteria_set.save()
            set_id = int(criteria_set.id)
            await Criterion.insert(
                *[
                    Criterion(criteria_set=set_id, position=i, label=label, max_score=top)
                    for i, (label, top) in enumerate(CRITERIA, start=1)
                ]
            )
            counts["criteria_sets"] += 1
        else:
            set_id = row["id"]
        if not await EvaluationPeriod.exists().where(EvaluationPeriod.name == name):
            await EvaluationPeriod.insert(
                EvaluationPeriod(
                    name=name,
                    starts_on=start,
                    ends_on=end,
                    criteria_set=set_id,
                    status=PeriodStatus.OPEN.value,
                    created_at=now,
                    opened_at=now,
                )
            )
            counts["periods"] += 1
    return counts


def main() -> None:
    print(asyncio.run(load()))


if __name__ == "__main__":
    main()
