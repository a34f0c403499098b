"""lib.forms: one decoder for every form, each error in Vietnamese beside its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from backend.lib.errors import FormErrors
from backend.lib.forms import choice, decode, first, number, text, to_int, values_of
from backend.lib.i18n import N_


@dataclass
class Sample:
    name: str = text(max_length=10, required=N_("Vui lòng nhập tên."))
    note: str = text(max_length=20)
    days: int | None = number(low=1, high=30)
    count: int = 0
    due: date | None = None
    agree: bool = False
    documents: list[int] = field(default_factory=list)
    kind: str = choice(("paper", "electronic"))


def test_reads_each_type_from_strings() -> None:
    got = decode(
        Sample,
        {
            "name": "  Quầy   1 ",
            "days": "7",
            "count": "3",
            "due": "2026-12-31",
            "agree": "on",
            "documents": ["4", "5"],
            "kind": "paper",
        },
    )
    assert got == Sample("Quầy 1", "", 7, 3, date(2026, 12, 31), True, [4, 5], "paper")


def test_missing_fields_take_defaults_and_dates_may_be_typed_the_vietnamese_way() -> None:
    got = decode(Sample, {"name": "A", "due": "02/09/2026", "documents": "8"})
    assert (got.days, got.count, got.due, got.agree, got.documents, got.kind) == (
        None,
        0,
        date(2026, 9, 2),
        False,
        [8],
        "",
    )


def test_every_wrong_field_is_reported_at_once_in_vietnamese() -> None:
    with pytest.raises(FormErrors) as caught:
        decode(
            Sample,
            {
                "name": " ",
                "note": "x" * 21,
                "days": "31",
                "count": "ba",
                "due": "31/02/2026",
                "documents": ["1", "một"],
                "kind": "fax",
            },
        )
    errors = caught.value.by_field()
    assert errors == {
        "name": "Vui lòng nhập tên.",
        "note": "Nội dung quá dài (tối đa 20 ký tự).",
        "days": "Vui lòng nhập một số từ 1 đến 30.",
        "count": "Vui lòng nhập một số.",
        "due": "Ngày không hợp lệ. Vui lòng chọn hoặc ghi theo dạng ngày/tháng/năm.",
        "documents": "Vui lòng chọn một mục trong danh sách.",
        "kind": "Vui lòng chọn một mục trong danh sách.",
    }


def test_helpers_for_raw_values() -> None:
    data = {"a": ["1", "2"], "b": "x", "_csrf_token": "t", "password": "p"}
    assert first(data, "a") == "1"
    assert first(data, "missing", "d") == "d"
    assert values_of(data, "password") == {"a": ["1", "2"], "b": "x"}
    assert to_int("9223372036854775808") == 9223372036854775808
    assert to_int("abc") is None
