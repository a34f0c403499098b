"""What the evaluation forms send, read into dataclasses with a precise message per field.

Shared by every handler that takes these forms. The fields are read with `lib.forms` (`first`
takes one value of a field sent several times, `to_date` reads a date), but the checks stay
here rather than in `lib.forms.decode`: their messages say what is wrong with *this* form
("Trọng số là một số nguyên từ 0 đến 100.", "Vui lòng nhập tên bộ tiêu chí.") where the
generic ones could not, a kind's checkbox sent empty means "not chosen" (the form shows its
stored values again that way), and scores are decimals typed the Vietnamese way.

Scores are typed by people: "7,5" and "7.5" are both accepted, from 0 to the criterion's
maximum, with at most two decimals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.evaluations.aggregate import Kind, Weights
from backend.evaluations.rules import (
    MAX_COMMENT,
    MAX_CRITERIA,
    MAX_CRITERION_SCORE,
    MAX_NAME,
    PeriodStatus,
    today,
)
from backend.lib.errors import FormErrors, UserError
from backend.lib.forms import RawForm, first, to_date, to_int
from backend.lib.i18n import N_

NAME_TOO_LONG = N_("Tên quá dài (tối đa {limit} ký tự).")
TEXT_TOO_LONG = N_("Nội dung quá dài (tối đa {limit} ký tự).")
NOT_A_SCORE = N_("Điểm phải là một số, ví dụ 8 hoặc 7,5.")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_CENT = Decimal("0.01")


def _clean(data: RawForm, key: str) -> str:
    """A one-line text field, its runs of whitespace made one space."""
    return " ".join(first(data, key).split())


def _long_text(data: RawForm, key: str, errors: list[UserError]) -> str:
    text = first(data, key).strip()
    if len(text) > MAX_COMMENT:
        errors.append(UserError(TEXT_TOO_LONG, field=key, limit=MAX_COMMENT))
    return text


def _name(data: RawForm, empty: str, errors: list[UserError]) -> str:
    name = _clean(data, "name")
    if not name:
        errors.append(UserError(empty, field="name"))
    elif len(name) > MAX_NAME:
        errors.append(UserError(NAME_TOO_LONG, field="name", limit=MAX_NAME))
    return name


# --- criteria sets -----------------------------------------------------------------------------


@dataclass
class SetInput:
    name: str
    description: str
    criteria: list[tuple[str, int]]  # (label, maximum score)


def blank_set_rows(n: int = 3) -> list[dict[str, str]]:
    return [{"label": "", "max": ""} for _ in range(n)]


def set_rows_from_form(data: RawForm) -> list[dict[str, str]]:
    """The criteria rows as typed (shown again as they were when the form is refused)."""
    count = min(to_int(first(data, "rows", "0")) or 0, MAX_CRITERIA)
    return [
        {"label": first(data, f"label-{i}")[:300], "max": first(data, f"max-{i}")[:10]}
        for i in range(max(count, 0))
    ]


def change_rows(op: str, rows: list[dict[str, str]]) -> list[dict[str, str]] | None:
    """The rows after "add a row" or "remove row i" (`op` "add", "remove-<i>"), or None when
    `op` asks to save. Both work without JavaScript: the form comes back with the change and
    nothing is saved yet."""
    if op == "add":
        return rows + blank_set_rows(1) if len(rows) < MAX_CRITERIA else rows
    if op.startswith("remove-") and op[7:].isdigit():
        index = int(op[7:])
        return [r for i, r in enumerate(rows) if i != index] or blank_set_rows(1)
    return None


def _criterion(
    i: int, row: dict[str, str], seen: set[str], errors: list[UserError]
) -> tuple[str, int] | None:
    """One row of the set's form: (label, maximum), or None when it is wrong or empty."""
    label, raw_max = " ".join(row["label"].split()), row["max"].strip()
    if not label and not raw_max:
        return None  # an empty row is simply left out
    if not label:
        errors.append(UserError(N_("Vui lòng nhập tên tiêu chí."), field=f"label-{i}"))
    elif len(label) > MAX_NAME:
        errors.append(UserError(NAME_TOO_LONG, field=f"label-{i}", limit=MAX_NAME))
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
        return None
    return label, int(raw_max)


def parse_set(data: RawForm, rows: list[dict[str, str]]) -> SetInput:
    errors: list[UserError] = []
    name = _name(data, N_("Vui lòng nhập tên bộ tiêu chí."), errors)
    description = _long_text(data, "description", errors)
    seen: set[str] = set()
    criteria: list[tuple[str, int]] = []
    for i, row in enumerate(rows):
        criterion = _criterion(i, row, seen, errors)
        if criterion is not None:
            criteria.append(criterion)
    if not criteria and not errors:
        errors.append(UserError(N_("Bộ tiêu chí cần ít nhất một tiêu chí."), field="criteria"))
    if errors:
        raise FormErrors(errors)
    return SetInput(name=name, description=description, criteria=criteria)


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


def keep_locked_fields(values: dict[str, Any], period: dict[str, Any] | None) -> dict[str, Any]:
    """An opened period shows its set and kinds disabled, so the browser does not post them:
    the stored ones are kept (and one posted anyway, by hand, changes nothing)."""
    if period is None or period["status"] == PeriodStatus.DRAFT.value:
        return values
    stored = period_values(period)
    kept = {"criteria_set": stored["criteria_set"]}
    kept.update({f"kind_{kind.value}": stored[f"kind_{kind.value}"] for kind in Kind})
    return {**values, **kept}


def _date(data: RawForm, key: str) -> date | None:
    try:
        return to_date(first(data, key))
    except ValueError:
        return None


def _dates(data: RawForm, errors: list[UserError]) -> tuple[date | None, date | None]:
    starts_on, ends_on = _date(data, "starts_on"), _date(data, "ends_on")
    if starts_on is None:
        errors.append(UserError(N_("Vui lòng chọn ngày bắt đầu."), field="starts_on"))
    if ends_on is None:
        errors.append(UserError(N_("Vui lòng chọn ngày kết thúc."), field="ends_on"))
    elif starts_on is not None and ends_on < starts_on:
        errors.append(
            UserError(N_("Ngày kết thúc phải sau hoặc trùng ngày bắt đầu."), field="ends_on")
        )
    return starts_on, ends_on


def _weights(data: RawForm, kinds: tuple[Kind, ...], errors: list[UserError]) -> Weights:
    """The percent weights of the chosen kinds (a kind not chosen counts 0, whatever was
    typed); their sum must be 100."""
    weights: dict[Kind, int] = {}
    for kind in Kind:
        if kind not in kinds:
            weights[kind] = 0
            continue
        raw = first(data, f"weight_{kind.value}").strip()
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
    return Weights(
        cross=weights.get(Kind.CROSS, 0),
        center=weights.get(Kind.CENTER, 0),
        self_eval=weights.get(Kind.SELF, 0),
    )


def parse_period(data: RawForm) -> PeriodInput:
    errors: list[UserError] = []
    name = _name(data, N_("Vui lòng nhập tên kỳ đánh giá, ví dụ Quý I/2026."), errors)
    starts_on, ends_on = _dates(data, errors)
    set_id = first(data, "criteria_set").strip()
    if not set_id.isdigit():
        errors.append(UserError(N_("Vui lòng chọn bộ tiêu chí."), field="criteria_set"))
    # A checkbox sent empty is not chosen (the edit form posts its stored values that way).
    kinds = tuple(k for k in Kind if first(data, f"kind_{k.value}"))
    if not kinds:
        errors.append(UserError(N_("Vui lòng chọn ít nhất một hình thức đánh giá."), field="kinds"))
    weights = _weights(data, kinds, errors)
    if errors:
        raise FormErrors(errors)
    assert starts_on is not None and ends_on is not None
    return PeriodInput(
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        criteria_set=int(set_id),
        kinds=kinds,
        weights=weights,
    )


# --- scores ------------------------------------------------------------------------------------


@dataclass
class ScoresInput:
    scores: dict[int, Decimal]  # criterion id -> score
    comment: str

    @property
    def total(self) -> Decimal:
        return sum(self.scores.values(), Decimal(0))


def parse_score(raw: Any, max_score: int, field: str) -> Decimal:
    """A score typed by a person: "8", "7,5", "7.5"; from 0 to the maximum, 2 decimals."""
    text = str(raw or "").strip().replace(" ", "")
    if not text:
        raise UserError(N_("Vui lòng nhập điểm cho tiêu chí này."), field=field)
    if not _NUMBER.fullmatch(text):
        raise UserError(NOT_A_SCORE, field=field)
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        raise UserError(NOT_A_SCORE, field=field) from None
    if value < 0 or value > max_score:
        raise UserError(N_("Điểm phải từ 0 đến {max}."), field=field, max=max_score)
    if value != value.quantize(_CENT):
        raise UserError(N_("Điểm chỉ lấy tối đa hai chữ số sau dấu phẩy."), field=field)
    return value.quantize(_CENT)


def parse_scores(criteria: list[dict[str, Any]], data: RawForm) -> ScoresInput:
    """One score per criterion of the period (`score-<criterion id>`) and the comment."""
    errors: list[UserError] = []
    scores: dict[int, Decimal] = {}
    for c in criteria:
        field = f"score-{c['id']}"
        try:
            scores[c["id"]] = parse_score(first(data, field), c["max_score"], field)
        except UserError as e:
            errors.append(e)
    comment = _long_text(data, "comment", errors)
    if errors:
        raise FormErrors(errors)
    return ScoresInput(scores=scores, comment=comment)
