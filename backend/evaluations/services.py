"""Evaluations: criteria sets, periods, score forms and results.

Services take plain values and the signed-in user and never see a Request. Who may do what:

- the center's manager (Role.MANAGER) defines criteria sets and periods, opens and closes
  periods, scores each agency (kind "center") and sees every result;
- an agency's leader scores every other agency (kind "cross", on behalf of the agency: the
  evaluating agency is always the leader's own) and sees the results row of their agency;
- specialists, leaders and counter officers assess themselves (kind "self").

Scores are typed by people: "7,5" and "7.5" are both accepted, from 0 to the criterion's
maximum, with at most two decimals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.accounts.tables import User
from backend.catalog.tables import Agency
from backend.evaluations.aggregate import (
    AgencyFigures,
    Kind,
    Missing,
    Official,
    Row,
    Weights,
    aggregate,
    missing,
    ranked,
)
from backend.evaluations.tables import (
    CriteriaSet,
    Criterion,
    Evaluation,
    EvaluationPeriod,
    EvaluationScore,
)
from backend.lib.clock import utcnow
from backend.lib.db import is_unique_violation, write_transaction
from backend.lib.errors import Conflict, Forbidden, FormErrors, NotFound, UserError
from backend.lib.formatting import LOCAL_TZ
from backend.lib.i18n import N_, current_language
from backend.piccolo_conf import DB

SELF_ROLES = (Role.SPECIALIST, Role.LEADER, Role.COUNTER)
# Everybody with something to do or to see under /evaluations.
EVALUATION_ROLES = (Role.MANAGER, *SELF_ROLES)
MAX_CRITERIA = 30
MAX_CRITERION_SCORE = 100
MAX_COMMENT = 2000
# Officials without an agency (counter officers) are shown together under this name.
ONE_STOP_SECTION = N_("Bộ phận Một cửa (cán bộ tiếp nhận, trả kết quả)")

SET_NOT_FOUND = N_("Không tìm thấy bộ tiêu chí này.")
PERIOD_NOT_FOUND = N_("Không tìm thấy kỳ đánh giá này.")
SET_LOCKED = N_(
    "Bộ tiêu chí này đã được dùng trong một kỳ đánh giá đã mở nên không sửa được nữa. "
    "Hãy sao chép để tạo bộ mới."
)
PERIOD_CLOSED = N_("Kỳ đánh giá đã khoá nên không thể nộp hay sửa phiếu nữa.")
PERIOD_NOT_OPEN = N_("Kỳ đánh giá này chưa mở.")


class PeriodStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def tone(self) -> str:
        return {"draft": "", "open": "good", "closed": "warn"}[self.value]


STATUS_LABELS: dict[PeriodStatus, str] = {
    PeriodStatus.DRAFT: N_("Đang soạn"),
    PeriodStatus.OPEN: N_("Đang mở"),
    PeriodStatus.CLOSED: N_("Đã khoá"),
}
# Short names of the kinds, for chips and table headings.
KIND_SHORT: dict[Kind, str] = {
    Kind.CROSS: N_("Đánh giá chéo"),
    Kind.SELF: N_("Tự đánh giá"),
    Kind.CENTER: N_("Trung tâm chấm"),
}


def today() -> date:
    return utcnow().astimezone(LOCAL_TZ).date()


def require_manager(user: CurrentUser) -> None:
    if user.role is not Role.MANAGER:
        raise Forbidden(N_("Chỉ lãnh đạo Trung tâm mới định nghĩa bộ tiêu chí và kỳ đánh giá."))


def require_participant(user: CurrentUser) -> None:
    if user.role not in EVALUATION_ROLES:
        raise Forbidden(N_("Trang đánh giá, chấm điểm dành cho cán bộ, công chức."))


def format_score(value: Decimal | int | None) -> str:
    """12.50 -> "12,5" in Vietnamese, "12.5" in English; None -> "—"."""
    if value is None:
        return "—"
    text = f"{Decimal(value).quantize(Decimal('0.01')):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if current_language.get() == "vi" else text


# --- criteria sets -----------------------------------------------------------------------------


@dataclass
class SetInput:
    name: str
    description: str
    criteria: list[tuple[str, int]]  # (label, maximum score)


def _clean(text: Any) -> str:
    return " ".join(str(text or "").split())


def blank_set_rows(n: int = 3) -> list[dict[str, str]]:
    return [{"label": "", "max": ""} for _ in range(n)]


def set_rows_from_form(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The criteria rows as typed (shown again as they were when the form is refused)."""
    try:
        count = min(int(str(data.get("rows", "0"))), MAX_CRITERIA)
    except ValueError:
        count = 0
    return [
        {"label": str(data.get(f"label-{i}", ""))[:300], "max": str(data.get(f"max-{i}", ""))[:10]}
        for i in range(max(count, 0))
    ]


def parse_set(data: Mapping[str, Any], rows: list[dict[str, str]]) -> SetInput:
    errors: list[UserError] = []
    name = _clean(data.get("name"))
    if not name:
        errors.append(UserError(N_("Vui lòng nhập tên bộ tiêu chí."), field="name"))
    elif len(name) > 200:
        errors.append(UserError(N_("Tên quá dài (tối đa {limit} ký tự)."), field="name", limit=200))
    description = str(data.get("description", "")).strip()
    if len(description) > MAX_COMMENT:
        errors.append(
            UserError(
                N_("Nội dung quá dài (tối đa {limit} ký tự)."),
                field="description",
                limit=MAX_COMMENT,
            )
        )
    criteria: list[tuple[str, int]] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        label, raw_max = _clean(row["label"]), row["max"].strip()
        if not label and not raw_max:
            continue  # an empty row is simply left out
        if not label:
            errors.append(UserError(N_("Vui lòng nhập tên tiêu chí."), field=f"label-{i}"))
        elif len(label) > 200:
            errors.append(
                UserError(N_("Tên quá dài (tối đa {limit} ký tự)."), field=f"label-{i}", limit=200)
            )
        elif label.casefold() in seen:
            errors.append(
                UserError(N_("Tiêu chí này trùng tên với một tiêu chí ở trên."), field=f"label-{i}")
            )
        seen.add(label.casefold())
        if not re.fullmatch(r"\d{1,4}", raw_max) or not 1 <= int(raw_max) <= MAX_CRITERION_SCORE:
            errors.append(
                UserError(
                    N_("Điểm tối đa là một số nguyên từ 1 đến {limit}."),
                    field=f"max-{i}",
                    limit=MAX_CRITERION_SCORE,
                )
            )
            continue
        criteria.append((label, int(raw_max)))
    if not criteria and not errors:
        errors.append(UserError(N_("Bộ tiêu chí cần ít nhất một tiêu chí."), field="criteria"))
    if errors:
        raise FormErrors(errors)
    return SetInput(name=name, description=description, criteria=criteria)


async def set_is_locked(set_id: int) -> bool:
    return bool(
        await EvaluationPeriod.exists().where(
            (EvaluationPeriod.criteria_set == set_id)
            & (EvaluationPeriod.status != PeriodStatus.DRAFT.value)
        )
    )


async def list_sets() -> list[dict[str, Any]]:
    sets = await CriteriaSet.select().order_by(CriteriaSet.id, ascending=False)
    criteria = await Criterion.select().order_by(Criterion.position)
    periods = await EvaluationPeriod.select(EvaluationPeriod.criteria_set, EvaluationPeriod.status)
    for s in sets:
        s["criteria"] = [c for c in criteria if c["criteria_set"] == s["id"]]
        s["max_total"] = sum(c["max_score"] for c in s["criteria"])
        used = [p for p in periods if p["criteria_set"] == s["id"]]
        s["period_count"] = len(used)
        s["locked"] = any(p["status"] != PeriodStatus.DRAFT.value for p in used)
    return sets


async def load_set(set_id: int) -> dict[str, Any]:
    row = await CriteriaSet.select().where(CriteriaSet.id == set_id).first()
    if row is None:
        raise NotFound(SET_NOT_FOUND)
    row["criteria"] = (
        await Criterion.select()
        .where(Criterion.criteria_set == set_id)
        .order_by(Criterion.position)
    )
    row["max_total"] = sum(c["max_score"] for c in row["criteria"])
    row["locked"] = await set_is_locked(set_id)
    row["period_count"] = await EvaluationPeriod.count().where(
        EvaluationPeriod.criteria_set == set_id
    )
    return row


async def save_set(user: CurrentUser, set_id: int | None, data: SetInput) -> int:
    require_manager(user)
    now = utcnow()
    async with write_transaction():
        if set_id is None:
            row = CriteriaSet(
                name=data.name, description=data.description, created_at=now, updated_at=now
            )
            await row.save()
            set_id = int(row.id)
        else:
            if not await CriteriaSet.exists().where(CriteriaSet.id == set_id):
                raise NotFound(SET_NOT_FOUND)
            if await set_is_locked(set_id):
                raise Conflict(SET_LOCKED)
            await CriteriaSet.update(
                {
                    CriteriaSet.name: data.name,
                    CriteriaSet.description: data.description,
                    CriteriaSet.updated_at: now,
                }
            ).where(CriteriaSet.id == set_id)
            await Criterion.delete().where(Criterion.criteria_set == set_id)
        await Criterion.insert(
            *[
                Criterion(criteria_set=set_id, position=i, label=label, max_score=top)
                for i, (label, top) in enumerate(data.criteria, start=1)
            ]
        )
    return set_id


async def copy_set(user: CurrentUser, set_id: int) -> int:
    require_manager(user)
    source = await load_set(set_id)
    return await save_set(
        user,
        None,
        SetInput(
            name=f"{source['name']} (bản sao)"[:200],
            description=source["description"],
            criteria=[(c["label"], c["max_score"]) for c in source["criteria"]],
        ),
    )


async def delete_set(user: CurrentUser, set_id: int) -> None:
    require_manager(user)
    async with write_transaction():
        if not await CriteriaSet.exists().where(CriteriaSet.id == set_id):
            raise NotFound(SET_NOT_FOUND)
        if await EvaluationPeriod.exists().where(EvaluationPeriod.criteria_set == set_id):
            raise Conflict(N_("Bộ tiêu chí đang được một kỳ đánh giá sử dụng nên không xoá được."))
        await CriteriaSet.delete().where(CriteriaSet.id == set_id)


# --- periods -----------------------------------------------------------------------------------


@dataclass
class PeriodInput:
    name: str
    starts_on: date
    ends_on: date
    criteria_set: int
    kinds: tuple[Kind, ...]
    weights: Weights


def period_values(row: dict[str, Any] | None) -> dict[str, str]:
    """A period as the form shows it (a new one: the next two weeks, every kind)."""
    if row is None:
        start = today()
        return {
            "name": "",
            "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=14)).isoformat(),
            "criteria_set": "",
            "kind_cross": "1",
            "kind_center": "1",
            "kind_self": "1",
            "weight_cross": "40",
            "weight_center": "40",
            "weight_self": "20",
        }
    values = {
        "name": row["name"],
        "starts_on": row["starts_on"].isoformat() if row["starts_on"] else "",
        "ends_on": row["ends_on"].isoformat() if row["ends_on"] else "",
        "criteria_set": str(row["criteria_set"]),
    }
    for kind in Kind:
        values[f"kind_{kind.value}"] = "1" if row[f"include_{kind.value}"] else ""
        values[f"weight_{kind.value}"] = str(row[f"weight_{kind.value}"])
    return values


def _parse_date(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


def parse_period(data: Mapping[str, Any]) -> PeriodInput:
    errors: list[UserError] = []
    name = _clean(data.get("name"))
    if not name:
        errors.append(
            UserError(N_("Vui lòng nhập tên kỳ đánh giá, ví dụ Quý I/2026."), field="name")
        )
    elif len(name) > 200:
        errors.append(UserError(N_("Tên quá dài (tối đa {limit} ký tự)."), field="name", limit=200))
    starts_on = _parse_date(data.get("starts_on"))
    ends_on = _parse_date(data.get("ends_on"))
    if starts_on is None:
        errors.append(UserError(N_("Vui lòng chọn ngày bắt đầu."), field="starts_on"))
    if ends_on is None:
        errors.append(UserError(N_("Vui lòng chọn ngày kết thúc."), field="ends_on"))
    elif starts_on is not None and ends_on < starts_on:
        errors.append(
            UserError(N_("Ngày kết thúc phải sau hoặc trùng ngày bắt đầu."), field="ends_on")
        )
    set_id = str(data.get("criteria_set", "")).strip()
    if not set_id.isdigit():
        errors.append(UserError(N_("Vui lòng chọn bộ tiêu chí."), field="criteria_set"))
    kinds = tuple(k for k in Kind if data.get(f"kind_{k.value}"))
    if not kinds:
        errors.append(UserError(N_("Vui lòng chọn ít nhất một hình thức đánh giá."), field="kinds"))
    weights: dict[Kind, int] = {}
    for kind in Kind:
        if kind not in kinds:
            weights[kind] = 0
            continue
        raw = str(data.get(f"weight_{kind.value}", "")).strip()
        if not raw.isdigit() or int(raw) > 100:
            errors.append(
                UserError(
                    N_("Trọng số là một số nguyên từ 0 đến 100."), field=f"weight_{kind.value}"
                )
            )
            continue
        weights[kind] = int(raw)
    if kinds and len(weights) == len(Kind) and sum(weights.values()) != 100:
        errors.append(
            UserError(
                N_("Tổng trọng số của các hình thức được chọn phải bằng 100 (hiện là {total})."),
                field="weights",
                total=sum(weights.values()),
            )
        )
    if errors:
        raise FormErrors(errors)
    assert starts_on is not None and ends_on is not None
    return PeriodInput(
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        criteria_set=int(set_id),
        kinds=kinds,
        weights=Weights(
            cross=weights[Kind.CROSS], center=weights[Kind.CENTER], self_eval=weights[Kind.SELF]
        ),
    )


def kinds_of(period: dict[str, Any]) -> tuple[Kind, ...]:
    return tuple(k for k in Kind if period[f"include_{k.value}"])


def weights_of(period: dict[str, Any]) -> Weights:
    return Weights(
        cross=period["weight_cross"] if period["include_cross"] else 0,
        center=period["weight_center"] if period["include_center"] else 0,
        self_eval=period["weight_self"] if period["include_self"] else 0,
    )


async def _period_row(period_id: int) -> dict[str, Any]:
    row = await (
        EvaluationPeriod.select(
            *EvaluationPeriod.all_columns(),
            EvaluationPeriod.criteria_set.name.as_alias("set_name"),
        )
        .where(EvaluationPeriod.id == period_id)
        .first()
    )
    if row is None:
        raise NotFound(PERIOD_NOT_FOUND)
    row["status_obj"] = PeriodStatus(row["status"])
    row["kinds"] = kinds_of(row)
    return row


async def load_period(period_id: int) -> dict[str, Any]:
    """A period with its criteria (and their total) and how many evaluations it has."""
    row = await _period_row(period_id)
    row["criteria"] = (
        await Criterion.select()
        .where(Criterion.criteria_set == row["criteria_set"])
        .order_by(Criterion.position)
    )
    row["max_total"] = sum(c["max_score"] for c in row["criteria"])
    row["evaluation_count"] = await Evaluation.count().where(Evaluation.period == period_id)
    return row


async def list_periods(user: CurrentUser) -> list[dict[str, Any]]:
    """Every period for the manager; leaders see the periods that were opened."""
    query = EvaluationPeriod.select(
        *EvaluationPeriod.all_columns(), EvaluationPeriod.criteria_set.name.as_alias("set_name")
    ).order_by(EvaluationPeriod.starts_on, ascending=False)
    if user.role is not Role.MANAGER:
        query = query.where(EvaluationPeriod.status != PeriodStatus.DRAFT.value)
    rows = await query.order_by(EvaluationPeriod.id, ascending=False)
    for row in rows:
        row["status_obj"] = PeriodStatus(row["status"])
        row["kinds"] = kinds_of(row)
    return rows


async def save_period(user: CurrentUser, period_id: int | None, data: PeriodInput) -> int:
    require_manager(user)
    if not await CriteriaSet.exists().where(CriteriaSet.id == data.criteria_set):
        raise UserError(N_("Vui lòng chọn bộ tiêu chí."), field="criteria_set")
    if not await Criterion.exists().where(Criterion.criteria_set == data.criteria_set):
        raise UserError(N_("Bộ tiêu chí này chưa có tiêu chí nào."), field="criteria_set")
    columns: dict[Any, Any] = {
        EvaluationPeriod.name: data.name,
        EvaluationPeriod.starts_on: data.starts_on,
        EvaluationPeriod.ends_on: data.ends_on,
        EvaluationPeriod.criteria_set: data.criteria_set,
        EvaluationPeriod.weight_cross: data.weights.cross,
        EvaluationPeriod.weight_center: data.weights.center,
        EvaluationPeriod.weight_self: data.weights.self_eval,
        **{getattr(EvaluationPeriod, f"include_{k.value}"): k in data.kinds for k in Kind},
    }
    async with write_transaction():
        if period_id is None:
            row = EvaluationPeriod(
                created_by=user.id,
                created_at=utcnow(),
                status=PeriodStatus.DRAFT.value,
                **{c._meta.name: v for c, v in columns.items()},
            )
            await row.save()
            return int(row.id)
        current = await _period_row(period_id)
        if current["status"] == PeriodStatus.CLOSED.value:
            raise Conflict(N_("Kỳ đánh giá đã khoá nên không sửa được. Hãy mở lại kỳ nếu cần."))
        if current["status"] == PeriodStatus.OPEN.value:
            errors = []
            if current["criteria_set"] != data.criteria_set:
                errors.append(
                    UserError(
                        N_("Kỳ đánh giá đã mở nên không đổi được bộ tiêu chí."),
                        field="criteria_set",
                    )
                )
            if current["kinds"] != data.kinds:
                errors.append(
                    UserError(
                        N_("Kỳ đánh giá đã mở nên không đổi được các hình thức đánh giá."),
                        field="kinds",
                    )
                )
            if errors:
                raise FormErrors(errors)
        await EvaluationPeriod.update(columns).where(EvaluationPeriod.id == period_id)
    return period_id


async def set_status(user: CurrentUser, period_id: int, action: str) -> PeriodStatus:
    """open (from draft, or again from closed) or close (from open)."""
    require_manager(user)
    moves = {
        "open": ((PeriodStatus.DRAFT, PeriodStatus.CLOSED), PeriodStatus.OPEN),
        "close": ((PeriodStatus.OPEN,), PeriodStatus.CLOSED),
    }
    if action not in moves:
        raise NotFound(N_("Không tìm thấy trang bạn cần."))
    sources, target = moves[action]
    now = utcnow()
    async with write_transaction():
        current = await _period_row(period_id)
        if current["status_obj"] not in sources:
            raise Conflict(
                N_("Kỳ đánh giá đang ở trạng thái “{status}”: thao tác này không còn phù hợp."),
                status=current["status_obj"].label,
            )
        opening = target is PeriodStatus.OPEN
        stamp = EvaluationPeriod.opened_at if opening else EvaluationPeriod.closed_at
        await EvaluationPeriod.update({EvaluationPeriod.status: target.value, stamp: now}).where(
            (EvaluationPeriod.id == period_id)
            & EvaluationPeriod.status.is_in([s.value for s in sources])
        )
    return target


async def delete_period(user: CurrentUser, period_id: int) -> None:
    require_manager(user)
    async with write_transaction():
        current = await _period_row(period_id)
        if current["status"] != PeriodStatus.DRAFT.value:
            raise Conflict(N_("Chỉ xoá được kỳ đánh giá chưa mở."))
        await EvaluationPeriod.delete().where(EvaluationPeriod.id == period_id)


# --- who fills in what -------------------------------------------------------------------------


async def agencies() -> list[tuple[int, str]]:
    rows = await Agency.select(Agency.id, Agency.name).order_by(Agency.name)
    return [(r["id"], r["name"]) for r in rows]


def slot(period_id: int, kind: Kind, user: CurrentUser, target: int | None) -> str:
    """The key of "one evaluation per (period, kind, evaluator, target)"."""
    if kind is Kind.CROSS:
        return f"{period_id}:cross:a{user.agency_id}:a{target}"
    if kind is Kind.CENTER:
        return f"{period_id}:center:c:a{target}"
    return f"{period_id}:self:u{user.id}:u{user.id}"


def check_may_fill(
    user: CurrentUser, period: dict[str, Any], kind: Kind, target: int | None
) -> None:
    """Raises unless this person fills in this kind of form for this target in this period."""
    if kind not in period["kinds"]:
        raise NotFound(N_("Kỳ đánh giá này không có hình thức “{kind}”."), kind=kind.label)
    if kind is Kind.CROSS:
        if user.role is not Role.LEADER or user.agency_id is None:
            raise Forbidden(N_("Chỉ lãnh đạo cơ quan mới chấm điểm chéo các cơ quan khác."))
        if target == user.agency_id:
            raise Forbidden(
                N_(
                    "Cơ quan không chấm điểm chéo cho chính mình. "
                    "Phần tự đánh giá là phiếu của từng cán bộ."
                )
            )
    elif kind is Kind.CENTER:
        if user.role is not Role.MANAGER:
            raise Forbidden(N_("Chỉ lãnh đạo Trung tâm chấm điểm các cơ quan."))
    elif user.role not in SELF_ROLES:
        raise Forbidden(
            N_("Tự đánh giá dành cho chuyên viên, lãnh đạo cơ quan và cán bộ Bộ phận Một cửa.")
        )


def form_url(period_id: int, kind: Kind, target: int | None) -> str:
    if kind is Kind.SELF:
        return f"/evaluations/periods/{period_id}/self"
    return f"/evaluations/periods/{period_id}/{kind.value}/{target}"


async def tasks_for(user: CurrentUser, period: dict[str, Any]) -> list[dict[str, Any]]:
    """This person's forms in this period, in the order they are shown: [{kind, forms, done}],
    each form {target, name, url, total (None: not filled in yet)}."""
    period_id = period["id"]
    done_rows = await Evaluation.select(
        Evaluation.kind, Evaluation.target_agency, Evaluation.total
    ).where(
        (Evaluation.period == period_id)
        & (
            (
                (Evaluation.kind == Kind.CROSS.value)
                & (Evaluation.evaluator_agency == (user.agency_id or 0))
            )
            | ((Evaluation.kind == Kind.SELF.value) & (Evaluation.target_user == user.id))
            | (Evaluation.kind == Kind.CENTER.value)
        )
    )
    done: dict[tuple[str, int | None], Decimal] = {
        (r["kind"], None if r["kind"] == Kind.SELF.value else r["target_agency"]): r["total"]
        for r in done_rows
    }
    groups: list[dict[str, Any]] = []
    every = await agencies()
    for kind in (Kind.SELF, Kind.CROSS, Kind.CENTER):
        try:
            check_may_fill(user, period, kind, None)
        except UserError:
            continue
        targets: list[tuple[int | None, str]]
        if kind is Kind.SELF:
            targets = [(None, user.full_name)]
        elif kind is Kind.CROSS:
            targets = [(a, name) for a, name in every if a != user.agency_id]
        else:
            targets = [(a, name) for a, name in every]
        items = [
            {
                "target": target,
                "name": name,
                "url": form_url(period_id, kind, target),
                "total": done.get((kind.value, target)),
            }
            for target, name in targets
        ]
        groups.append(
            {
                "kind": kind,
                "forms": items,
                "done": sum(1 for i in items if i["total"] is not None),
            }
        )
    return groups


async def todo_for(user: CurrentUser) -> list[dict[str, Any]]:
    """Open periods, each with this person's forms."""
    require_participant(user)
    periods = await (
        EvaluationPeriod.select(EvaluationPeriod.id)
        .where(EvaluationPeriod.status == PeriodStatus.OPEN.value)
        .order_by(EvaluationPeriod.ends_on)
    )
    out = []
    for p in periods:
        period = await load_period(p["id"])
        period["groups"] = await tasks_for(user, period)
        period["todo"] = sum(len(g["forms"]) - g["done"] for g in period["groups"])
        out.append(period)
    return out


# --- one form ----------------------------------------------------------------------------------


async def _target_name(kind: Kind, target: int | None, user: CurrentUser) -> str:
    if kind is Kind.SELF:
        return user.full_name
    row = await Agency.select(Agency.name).where(Agency.id == (target or 0)).first()
    if row is None:
        raise NotFound(N_("Không tìm thấy cơ quan này."))
    return str(row["name"])


async def load_form(
    user: CurrentUser, period_id: int, kind: Kind, target: int | None
) -> dict[str, Any]:
    """What the form page shows: the period, its criteria, the target, the saved scores."""
    require_participant(user)
    period = await load_period(period_id)
    if period["status"] == PeriodStatus.DRAFT.value:
        raise Conflict(PERIOD_NOT_OPEN)
    check_may_fill(user, period, kind, target)
    name = await _target_name(kind, target, user)
    saved = (
        await Evaluation.select(
            *Evaluation.all_columns(), Evaluation.evaluator.full_name.as_alias("evaluator_name")
        )
        .where(Evaluation.slot == slot(period_id, kind, user, target))
        .first()
    )
    values: dict[str, str] = {}
    if saved is not None:
        scores = await EvaluationScore.select().where(EvaluationScore.evaluation == saved["id"])
        values = {f"score-{s['criterion']}": format_score(s["score"]) for s in scores}
        values["comment"] = saved["comment"]
    return {
        "period": period,
        "kind": kind,
        "target": target,
        "target_name": name,
        "saved": saved,
        "values": values,
        "readonly": period["status"] != PeriodStatus.OPEN.value,
        "action": form_url(period_id, kind, target),
    }


_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def parse_score(raw: Any, max_score: int, field: str) -> Decimal:
    """A score typed by a person: "8", "7,5", "7.5"; from 0 to the maximum, 2 decimals."""
    text = str(raw or "").strip().replace(" ", "")
    if not text:
        raise UserError(N_("Vui lòng nhập điểm cho tiêu chí này."), field=field)
    if not _NUMBER.fullmatch(text):
        raise UserError(N_("Điểm phải là một số, ví dụ 8 hoặc 7,5."), field=field)
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        raise UserError(N_("Điểm phải là một số, ví dụ 8 hoặc 7,5."), field=field) from None
    if value < 0 or value > max_score:
        raise UserError(N_("Điểm phải từ 0 đến {max}."), field=field, max=max_score)
    if value != value.quantize(Decimal("0.01")):
        raise UserError(N_("Điểm chỉ lấy tối đa hai chữ số sau dấu phẩy."), field=field)
    return value.quantize(Decimal("0.01"))


def parse_scores(
    criteria: list[dict[str, Any]], data: Mapping[str, Any]
) -> tuple[dict[int, Decimal], str]:
    errors: list[UserError] = []
    scores: dict[int, Decimal] = {}
    for c in criteria:
        field = f"score-{c['id']}"
        try:
            scores[c["id"]] = parse_score(data.get(field), c["max_score"], field)
        except UserError as e:
            errors.append(e)
    comment = str(data.get("comment", "")).strip()
    if len(comment) > MAX_COMMENT:
        errors.append(
            UserError(
                N_("Nội dung quá dài (tối đa {limit} ký tự)."), field="comment", limit=MAX_COMMENT
            )
        )
    if errors:
        raise FormErrors(errors)
    return scores, comment


async def submit(
    user: CurrentUser, period_id: int, kind: Kind, target: int | None, data: Mapping[str, Any]
) -> Decimal:
    """Save this person's form (a new one, or the same slot again); returns its total.

    The evaluating agency of a cross-evaluation is the leader's own, whatever the form says.
    """
    form = await load_form(user, period_id, kind, target)
    if form["readonly"]:
        raise Conflict(PERIOD_CLOSED)
    criteria = form["period"]["criteria"]
    scores, comment = parse_scores(criteria, data)
    total = sum(scores.values(), Decimal(0))
    for attempt in (1, 2):
        try:
            await _save(user, form["period"], kind, target, scores, total, comment)
            return total
        except Exception as e:
            # Two leaders of one agency saving the same new form at once: the second insert
            # hits the unique slot; once more, it finds the row and updates it.
            if attempt == 2 or not is_unique_violation(e):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def _save(
    user: CurrentUser,
    period: dict[str, Any],
    kind: Kind,
    target: int | None,
    scores: dict[int, Decimal],
    total: Decimal,
    comment: str,
) -> None:
    now = utcnow()
    key = slot(period["id"], kind, user, target)
    async with write_transaction():
        # The period's row is read under a share lock (PostgreSQL; SQLite's write lock does
        # the same): closing it waits for this form, and a form never lands after the close.
        query = EvaluationPeriod.select(EvaluationPeriod.status).where(
            EvaluationPeriod.id == period["id"]
        )
        if isinstance(DB, PostgresEngine):
            query = query.lock_rows("SHARE")
        current = await query.first()
        if current is None:
            raise NotFound(PERIOD_NOT_FOUND)
        if current["status"] != PeriodStatus.OPEN.value:
            raise Conflict(PERIOD_CLOSED)
        existing = await Evaluation.select(Evaluation.id).where(Evaluation.slot == key).first()
        if existing is None:
            row = Evaluation(
                period=period["id"],
                kind=kind.value,
                slot=key,
                evaluator=user.id,
                evaluator_agency=user.agency_id if kind is Kind.CROSS else None,
                target_agency=target if kind is not Kind.SELF else user.agency_id,
                target_user=user.id if kind is Kind.SELF else None,
                total=total,
                comment=comment,
                submitted_at=now,
                updated_at=now,
            )
            await row.save()
            evaluation_id = int(row.id)
        else:
            evaluation_id = existing["id"]
            await Evaluation.update(
                {
                    Evaluation.evaluator: user.id,
                    Evaluation.total: total,
                    Evaluation.comment: comment,
                    Evaluation.updated_at: now,
                }
            ).where(Evaluation.id == evaluation_id)
            await EvaluationScore.delete().where(EvaluationScore.evaluation == evaluation_id)
        await EvaluationScore.insert(
            *[
                EvaluationScore(evaluation=evaluation_id, criterion=criterion, score=score)
                for criterion, score in scores.items()
            ]
        )


async def next_unfilled(
    user: CurrentUser, period: dict[str, Any], kind: Kind, after: int | None
) -> str | None:
    """The next form of the same kind this person has not filled in (after `after`, then from
    the top), to go on without returning to the list."""
    for group in await tasks_for(user, period):
        if group["kind"] is not kind:
            continue
        todo = [i for i in group["forms"] if i["total"] is None and i["target"] != after]
        names = [i["target"] for i in group["forms"]]
        position = names.index(after) if after in names else -1
        later = [i for i in todo if names.index(i["target"]) > position]
        pick = (later or todo or [None])[0]
        return pick["url"] if pick else None
    return None


# --- results -----------------------------------------------------------------------------------


async def officials() -> list[Official]:
    rows = await (
        User.select(User.id, User.full_name, User.agency, User.role)
        .where(User.role.is_in([r.value for r in SELF_ROLES]) & User.active.eq(True))
        .order_by(User.full_name)
    )
    return [Official(r["id"], r["full_name"], r["agency"], r["role"]) for r in rows]


async def period_rows(period_id: int) -> list[Row]:
    rows = await Evaluation.select(
        Evaluation.kind,
        Evaluation.total,
        Evaluation.evaluator_agency,
        Evaluation.target_agency,
        Evaluation.target_user,
    ).where(Evaluation.period == period_id)
    return [
        Row(
            kind=Kind(r["kind"]),
            total=Decimal(r["total"]),
            target_agency=r["target_agency"],
            evaluator_agency=r["evaluator_agency"],
            target_user=r["target_user"],
        )
        for r in rows
    ]


@dataclass
class Results:
    period: dict[str, Any]
    figures: list[AgencyFigures]
    missing: Missing
    weights: Weights
    officials_by_id: dict[int, Official]
    agency_names: dict[int, str]
    own_agency_only: bool


async def results(user: CurrentUser, period_id: int, unattached_name: str = "") -> Results:
    """Every agency's figures and who has not submitted (the manager); a leader gets their
    own agency's row and what their agency and its officials still have to submit."""
    period = await load_period(period_id)
    if user.role is Role.LEADER and user.agency_id is not None:
        if period["status"] == PeriodStatus.DRAFT.value:
            raise Conflict(PERIOD_NOT_OPEN)
        own_only = True
    elif user.role is Role.MANAGER:
        own_only = False
    else:
        raise Forbidden(N_("Chỉ lãnh đạo Trung tâm và lãnh đạo cơ quan xem được kết quả."))
    every = await agencies()
    people = await officials()
    rows = await period_rows(period_id)
    kinds = period["kinds"]
    weights = weights_of(period)
    figures = ranked(aggregate(every, rows, weights, kinds, unattached_name))
    gaps = missing(every, people, rows, kinds)
    if own_only:
        figures = [f for f in figures if f.agency_id == user.agency_id]
        gaps = Missing(
            cross=[g for g in gaps.cross if g.agency_id == user.agency_id],
            self_eval=[o for o in gaps.self_eval if o.agency_id == user.agency_id],
            center=[],
        )
    return Results(
        period=period,
        figures=figures,
        missing=gaps,
        weights=weights,
        officials_by_id={o.user_id: o for o in people},
        agency_names=dict(every),
        own_agency_only=own_only,
    )


async def progress(period: dict[str, Any]) -> dict[Kind, tuple[int, int]]:
    """(submitted, expected) per included kind, for the period's page."""
    every = await agencies()
    people = await officials()
    rows = await period_rows(period["id"])
    n = len(every)
    expected = {Kind.CROSS: n * (n - 1), Kind.CENTER: n, Kind.SELF: len(people)}
    counts = {k: sum(1 for r in rows if r.kind is k) for k in (Kind.CROSS, Kind.CENTER)}
    # Self-assessments of officials who are still active (a deactivated one no longer counts).
    active = {o.user_id for o in people}
    counts[Kind.SELF] = sum(1 for r in rows if r.kind is Kind.SELF and r.target_user in active)
    return {k: (counts[k], expected[k]) for k in period["kinds"]}
