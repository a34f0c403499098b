"""The dossier register (form 07) for the counter and the center's managers: a page to read
and print, and the same rows as CSV for a spreadsheet (UTF-8 with BOM, so Excel shows the
Vietnamese correctly)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Stream, Template

from backend.access.guards import requires
from backend.access.roles import Role
from backend.dossiers import register
from backend.dossiers.queues import today
from backend.dossiers.status import CHANNEL_LABELS
from backend.lib.clock import utcnow
from backend.lib.formatting import format_date, format_datetime
from backend.lib.forms import to_date
from backend.lib.i18n import gettext
from backend.lib.pagination import page_number
from backend.lib.spreadsheet import as_text
from backend.lib.web import render

HEADERS = (
    "STT",
    "Số vào sổ",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Tổ chức, cá nhân",
    "Số điện thoại",
    "Hình thức nộp",
    "Cơ quan chủ trì giải quyết",
    "Thời gian nhận hồ sơ",
    "Người tiếp nhận",
    "Ngày hẹn trả kết quả",
    "Ngày hẹn lại",
    "Cơ quan giải quyết xong",
    "Trả kết quả cho tổ chức, cá nhân",
)


def _period(first: str, last: str) -> register.Period:
    def day(raw: str) -> Any:
        try:
            return to_date(raw)
        except ValueError:
            return None

    return register.period(day(first), day(last), today())


def _csv_row(n: int, r: dict[str, Any]) -> list[str]:
    moved = r["appointment_date"] if r["appointment_date"] != r["promised_date"] else None
    texts = [
        str(n),
        register.entry(r),
        r["code"],
        r["procedure_name"],
        r["applicant_name"],
        r["applicant_phone"],
        gettext(CHANNEL_LABELS.get(r["channel"], "")),
        r["agency_name"],
        format_datetime(r["received_at"]),
        r["received_by"],
        format_date(r["promised_date"]),
        format_date(moved),
        format_datetime(r["finished_at"]),
        format_datetime(r["returned_at"]),
    ]
    return [as_text(t) for t in texts]


class RegisterPages(Controller):
    path = "/staff/register"
    include_in_schema = False
    guards = [requires(Role.COUNTER, Role.MANAGER, Role.ADMIN)]

    @get("/")
    async def show(
        self, request: Request[Any, Any, Any], first: str = "", last: str = "", page: str = "1"
    ) -> Template:
        p = _period(first, last)
        query = {"first": p.first.isoformat(), "last": p.last.isoformat()}
        found = await register.page(p, page_number(page), query)
        return render(
            request,
            "backoffice/register.html",
            period=p,
            page=found,
            made_at=utcnow(),
            register_entry=register.entry,
        )

    @get("/register.csv")
    async def export(self, first: str = "", last: str = "") -> Stream:
        p = _period(first, last)

        async def lines() -> AsyncIterator[str]:
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(["Sổ theo dõi hồ sơ (mẫu số 07)"])
            writer.writerow(
                [
                    f"Từ ngày {format_date(p.first)} đến ngày {format_date(p.last)}",
                    f"Lập lúc {format_datetime(utcnow())}",
                ]
            )
            writer.writerow(HEADERS)
            yield "\ufeff" + out.getvalue()
            n = 0
            async for row in register.every_row(p):
                n += 1
                out.seek(0)
                out.truncate()
                writer.writerow(_csv_row(n, row))
                yield out.getvalue()

        name = f"so-theo-doi-ho-so-{p.first.isoformat()}-{p.last.isoformat()}.csv"
        return Stream(
            lines(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
