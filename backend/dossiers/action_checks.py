"""Checking an action's inputs before anything is written: one check per kind of input, all
reported at once, each beside its field."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from backend.access.roles import Role
from backend.accounts.tables import User
from backend.catalog import communes
from backend.catalog.tables import Agency, RequiredDocument
from backend.dossiers.inputs import ActionInput
from backend.dossiers.scope import acting_agency
from backend.dossiers.tables import DossierFile
from backend.dossiers.workflow import Input, Transition
from backend.lib.clock import local_today
from backend.lib.errors import FormErrors, UserError
from backend.lib.i18n import N_
from backend.lib.workdays import WorkCalendar

Check = Callable[[dict[str, Any], ActionInput, WorkCalendar], Awaitable[UserError | None]]


def _unless(condition: bool, message: str, field_name: str) -> UserError | None:
    return None if condition else UserError(message, field=field_name)


async def _reason(dossier: dict[str, Any], inp: ActionInput, _: WorkCalendar) -> UserError | None:
    return _unless(
        len(inp.reason.strip()) >= 5, N_("Vui lòng ghi rõ lý do (ít nhất 5 ký tự)."), "reason"
    )


async def _documents(
    dossier: dict[str, Any], inp: ActionInput, _: WorkCalendar
) -> UserError | None:
    known = {
        r["id"]
        for r in await RequiredDocument.select(RequiredDocument.id).where(
            RequiredDocument.procedure == dossier["procedure"]
        )
    }
    return _unless(
        bool(inp.documents) and set(inp.documents) <= known,
        N_("Chọn ít nhất một giấy tờ cần bổ sung."),
        "documents",
    )


async def _files(dossier: dict[str, Any], inp: ActionInput, _: WorkCalendar) -> UserError | None:
    """The citizen adds pages slot by slot (as on the draft); sending needs at least one, and
    one for every paper asked for."""
    since = dossier["paused_at"] or dossier["updated_at"]
    fresh = {
        r["document"]
        for r in await DossierFile.select(DossierFile.document).where(
            (DossierFile.dossier == dossier["id"])
            & (DossierFile.kind == "supplement")
            & (DossierFile.uploaded_at >= since)
        )
    }
    asked = set(json.loads(dossier["supplement_request"] or "{}").get("documents", []))
    missing = asked - fresh
    if not fresh and not inp.files:
        return UserError(N_("Vui lòng tải lên giấy tờ bổ sung."), field="files")
    if missing:
        names = await RequiredDocument.select(RequiredDocument.name).where(
            RequiredDocument.id.is_in(list(missing))
        )
        return UserError(
            N_("Còn thiếu giấy tờ được yêu cầu: {names}."),
            field="files",
            names="; ".join(r["name"] for r in names),
        )
    return None


async def _assignee(dossier: dict[str, Any], inp: ActionInput, _: WorkCalendar) -> UserError | None:
    ok = inp.assignee is not None and await User.exists().where(
        (User.id == inp.assignee)
        & (User.role == Role.SPECIALIST.value)
        & (User.agency == acting_agency(dossier))
        & User.active.eq(True)
    )
    return _unless(ok, N_("Chọn một chuyên viên của cơ quan."), "assignee")


async def _agency(dossier: dict[str, Any], inp: ActionInput, _: WorkCalendar) -> UserError | None:
    target = await Agency.select(Agency.id).where(Agency.code == inp.agency).first()
    ok = target is not None and target["id"] != dossier["agency"]
    return _unless(ok, N_("Chọn cơ quan phối hợp (khác cơ quan chủ trì)."), "agency")


async def _commune(dossier: dict[str, Any], inp: ActionInput, _: WorkCalendar) -> UserError | None:
    if not await communes.decides(dossier["procedure"]):
        return None
    return _unless(
        communes.in_province(inp.commune) is not None,
        N_("Chọn xã, phường có Ủy ban nhân dân giải quyết hồ sơ này."),
        "commune",
    )


async def _result_file(
    dossier: dict[str, Any], inp: ActionInput, _: WorkCalendar
) -> UserError | None:
    return _unless(bool(inp.files), N_("Vui lòng tải lên văn bản kết quả (PDF hoặc ảnh)."), "files")


async def _result_kind(
    dossier: dict[str, Any], inp: ActionInput, _: WorkCalendar
) -> UserError | None:
    return _unless(
        inp.result_kind in ("paper", "electronic"),
        N_("Chọn kết quả là bản giấy hay bản điện tử."),
        "result_kind",
    )


async def _new_date(
    dossier: dict[str, Any], inp: ActionInput, calendar: WorkCalendar
) -> UserError | None:
    current = dossier["appointment_date"]
    ok = (
        inp.new_date is not None
        and (current is None or inp.new_date > current)
        and calendar.is_working_day(inp.new_date)
    )
    return _unless(
        ok, N_("Ngày hẹn mới phải là một ngày làm việc sau ngày hẹn hiện tại."), "new_date"
    )


REPLY_WITHIN_DAYS = 90  # a reply-by date further than this is a typing mistake


async def _reply_by(
    dossier: dict[str, Any], inp: ActionInput, calendar: WorkCalendar
) -> UserError | None:
    """Optional (the default comes from the settings); if given, a working day ahead."""
    if inp.reply_by is None:
        return None
    today = local_today()
    ok = today < inp.reply_by <= today + timedelta(
        days=REPLY_WITHIN_DAYS
    ) and calendar.is_working_day(inp.reply_by)
    return _unless(
        ok,
        N_("Hạn bổ sung phải là một ngày làm việc sau hôm nay, trong vòng 90 ngày."),
        "reply_by",
    )


# Who may take a result: the applicant, a legal representative or a person authorised in
# writing, identity checked (DOMAIN.md; the same rule as for the post, backend.postal).
RECEIVERS: dict[str, str] = {
    "self": N_("Chính người nộp hồ sơ"),
    "representative": N_("Người đại diện theo pháp luật"),
    "authorized": N_("Người được ủy quyền"),
}


async def _receiver(dossier: dict[str, Any], inp: ActionInput, _: WorkCalendar) -> UserError | None:
    ok = bool(inp.receiver_name.strip()) and bool(inp.receiver_id.strip())
    if not ok:
        return UserError(
            N_("Ghi tên người nhận và giấy tờ tùy thân đã kiểm tra (ví dụ: CCCD số cuối 1234)."),
            field="receiver_name",
        )
    if inp.receiver_relation not in RECEIVERS:
        return UserError(
            N_(
                "Chỉ trả kết quả cho chính người nộp hồ sơ, người đại diện theo pháp luật hoặc "
                "người được ủy quyền bằng văn bản."
            ),
            field="receiver_relation",
        )
    if inp.receiver_relation == "authorized" and len(inp.receiver_authorization.strip()) < 5:
        return UserError(N_("Ghi số và ngày của văn bản ủy quyền."), field="receiver_authorization")
    return None


CHECKS: dict[Input, Check] = {
    Input.REASON: _reason,
    Input.DOCUMENTS: _documents,
    Input.FILES: _files,
    Input.ASSIGNEE: _assignee,
    Input.AGENCY: _agency,
    Input.RESULT_FILE: _result_file,
    Input.RESULT_KIND: _result_kind,
    Input.NEW_DATE: _new_date,
    Input.REPLY_BY: _reply_by,
    Input.RECEIVER: _receiver,
    Input.COMMUNE: _commune,
}


async def check_inputs(
    transition: Transition, dossier: dict[str, Any], inp: ActionInput, calendar: WorkCalendar
) -> None:
    """Every missing or wrong input at once (FormErrors), in the order of CHECKS."""
    needs = set(transition.inputs)
    found = [await check(dossier, inp, calendar) for kind, check in CHECKS.items() if kind in needs]
    errors = [e for e in found if e is not None]
    if errors:
        raise FormErrors(errors)
