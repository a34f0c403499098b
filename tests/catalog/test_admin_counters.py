"""Counters of the Bộ phận Một cửa (/admin/counters/): numbers are unique."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.catalog.tables import Counter
from tests.helpers import Client, field_errors, form_value, post_form, soup, text_of

MINE = list(range(960, 970))


@pytest.fixture(autouse=True)
async def _clean() -> AsyncIterator[None]:
    await Counter.delete().where(Counter.number.is_in(MINE))
    yield
    await Counter.delete().where(Counter.number.is_in(MINE))


async def counter_id(number: int) -> int:
    row = await Counter.select(Counter.id).where(Counter.number == number).first()
    assert row is not None
    return int(row["id"])


def listed(html: str) -> list[str]:
    return text_of(html, "ul.counters li.row strong")


async def test_add_edit_deactivate(admin: Client) -> None:
    r = await post_form(admin, "/admin/counters/", number=" 961 ", name=" Tư pháp –  Hộ tịch ")
    assert r.status_code == 303
    assert r.headers["location"] == "/admin/counters/?ok=created"
    page = await admin.get(r.headers["location"])
    assert "Quầy 961 — Tư pháp – Hộ tịch" in listed(page.text)
    assert text_of(page.text, ".alert.good") == ["Đã thêm."]

    cid = await counter_id(961)
    page = await admin.get(f"/admin/counters/{cid}")
    assert form_value(page.text, "number") == "961"
    r = await post_form(admin, f"/admin/counters/{cid}", number="962", name="Đất đai")
    assert r.status_code == 303
    assert "Quầy 962 — Đất đai" in listed((await admin.get("/admin/counters/")).text)

    r = await post_form(admin, f"/admin/counters/{cid}/deactivate")
    assert r.status_code == 303
    row = await Counter.select().where(Counter.id == cid).first()
    assert row is not None and row["active"] is False
    page = await admin.get("/admin/counters/")
    item = next(li for li in soup(page.text).select("ul.counters li.row") if "962" in li.get_text())
    assert "off" in item["class"]
    assert "Đã ngừng" in item.get_text()

    r = await post_form(admin, f"/admin/counters/{cid}/activate")
    assert r.status_code == 303
    row = await Counter.select().where(Counter.id == cid).first()
    assert row is not None and row["active"] is True


async def test_a_number_is_used_once(admin: Client) -> None:
    assert (await post_form(admin, "/admin/counters/", number="963", name="A")).status_code == 303
    r = await post_form(admin, "/admin/counters/", number="963", name="B")
    assert r.status_code == 422
    assert field_errors(r.text) == {"number": "Đã có quầy số 963."}
    assert form_value(r.text, "number") == "963"
    assert form_value(r.text, "name") == "B"
    assert await Counter.count().where(Counter.number == 963) == 1

    # Nor can another counter take it by being renumbered.
    assert (await post_form(admin, "/admin/counters/", number="964", name="C")).status_code == 303
    other = await counter_id(964)
    r = await post_form(admin, f"/admin/counters/{other}", number="963", name="C")
    assert r.status_code == 422
    assert field_errors(r.text) == {"number": "Đã có quầy số 963."}
    # Keeping its own number is fine.
    r = await post_form(admin, f"/admin/counters/{other}", number="964", name="C mới")
    assert r.status_code == 303


@pytest.mark.parametrize("number", ["", "0", "abc", "1000", "-5", "9.5"])
async def test_the_number_must_be_1_to_999(admin: Client, number: str) -> None:
    r = await post_form(admin, "/admin/counters/", number=number, name="Thử")
    assert r.status_code == 422
    assert field_errors(r.text) == {"number": "Vui lòng nhập số quầy, từ 1 đến 999."}
    assert form_value(r.text, "name") == "Thử"


async def test_unknown_counter(admin: Client) -> None:
    assert (await admin.get("/admin/counters/987654")).status_code == 404
    r = await post_form(admin, "/admin/counters/987654", number="965", name="")
    assert r.status_code == 404
    assert await Counter.count().where(Counter.number == 965) == 0
