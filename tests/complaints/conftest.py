"""Complaint fixtures: the handlers (the center's manager, two agencies' leaders), citizens, a
dossier, and complaints filed through the real services at a chosen moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from backend.access.user import CurrentUser
from backend.complaints import filing
from backend.complaints.schemas import Filing
from backend.complaints.tables import Complaint, ComplaintEvent, ComplaintFile, ComplaintVote
from backend.dossiers.workflow import State
from backend.notifications.tables import Notification
from tests.dossiers.factory import Factory
from tests.helpers import Client, csrf

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
CONTENT = (
    "Ngày 12/5 tôi nộp hồ sơ tại quầy, cán bộ Nguyễn Văn Bình yêu cầu nộp thêm 200.000 đồng "
    "mới nhận hồ sơ, không có biên lai."
)


def vn(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment on Vietnam's clock, as the UTC moment the server stores."""
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM).astimezone(UTC)


@dataclass
class People:
    factory: Factory
    manager: CurrentUser
    stp_leader: CurrentUser  # Sở Tư pháp
    sxd_leader: CurrentUser  # Sở Xây dựng
    specialist: CurrentUser  # of Sở Tư pháp
    counter: CurrentUser
    citizen: CurrentUser
    other_citizen: CurrentUser
    dossier_id: int  # the citizen's submitted dossier, of Sở Tư pháp

    def agency(self, code: str) -> int:
        return self.factory.agency_ids[code]


@pytest.fixture(scope="module")
async def people(database: None) -> People:
    f = await Factory().setup()
    return People(
        factory=f,
        manager=f.people["manager"],
        stp_leader=f.staff("stp", "leader"),
        sxd_leader=f.staff("sxd", "leader"),
        specialist=f.staff("stp", "specialist"),
        counter=f.people["counter"],
        citizen=f.people["owner"],
        other_citizen=f.people["other_citizen"],
        dossier_id=await f.create(State.RECEIVED, "stp"),
    )


async def file_as(
    people: People,
    filer: CurrentUser | None = None,
    *,
    agency: str = "stp",
    now: datetime | None = None,
    content: str = CONTENT,
    name: str = "Trần Thị Phản Ánh",
    phone: str = "0912000777",
    **fields: Any,
) -> dict[str, Any]:
    """A conduct complaint (harassment) about an agency, filed through the services."""
    submitted = Filing(
        kind=fields.pop("kind", "conduct"),
        conduct=fields.pop("conduct", "harassment"),
        content=content,
        name=name,
        phone=phone,
        agency=str(people.agency(agency)) if agency else "",
        **fields,
    )
    checked = await filing.check(submitted, filer)
    saved = await filing.file_complaint(checked, [], now)
    return await row(saved["id"])


async def row(complaint_id: int) -> dict[str, Any]:
    found = await Complaint.select().where(Complaint.id == complaint_id).first()
    assert found is not None
    return found


async def snapshot(complaint_id: int) -> dict[str, Any]:
    """Everything a step could write: the row, its events, files, vote and the filer's
    messages."""
    complaint = await row(complaint_id)
    return {
        "complaint": complaint,
        "events": await ComplaintEvent.count().where(ComplaintEvent.complaint == complaint_id),
        "files": await ComplaintFile.count().where(ComplaintFile.complaint == complaint_id),
        "votes": await ComplaintVote.count().where(ComplaintVote.complaint == complaint_id),
        "messages": await Notification.count().where(
            Notification.kind.like("complaint.%")
            & (Notification.recipient == (complaint["filer"] or 0))
        ),
    }


async def post_multipart(
    client: Client,
    url: str,
    files: list[tuple[str, bytes, str]] | None = None,
    /,
    **fields: Any,
) -> httpx.Response:
    """A multipart form as the browser sends it (an empty file part when nothing is chosen)."""
    token = await csrf(client)
    parts = (
        [("files", f) for f in files]
        if files
        else [("files", ("", b"", "application/octet-stream"))]
    )
    return await client.post(
        url,
        data={"_csrf_token": token, **fields},
        files=parts,
        follow_redirects=False,
    )
