"""The evaluation pages through real HTTP: the manager defines, officials fill in, results."""

from __future__ import annotations

import re

import pytest

from backend.access.user import CurrentUser
from backend.evaluations import periods, queries, scoring
from backend.evaluations.aggregate import Kind
from backend.evaluations.tables import CriteriaSet, Criterion, Evaluation, EvaluationPeriod
from tests.evaluations.conftest import People, make_period, make_set, score_fields, unique
from tests.helpers import (
    Client,
    csrf,
    form_token,
    make_citizen,
    post_page_form,
    sign_in_as,
    soup,
    text_of,
)


def alerts(html: str) -> list[str]:
    return text_of(html, ".alert, .error")


def value_of(html: str, name: str) -> str:
    field = soup(html).select_one(f"[name='{name}']")
    assert field is not None, name
    return str(field.get("value", "") if field.name == "input" else field.get_text())


async def test_the_manager_defines_a_criteria_set_and_a_period(
    client: Client, people: People
) -> None:
    await sign_in_as(client, people.manager)
    name = unique("Tiêu chí phối hợp năm 2026")
    # "Add a criterion" brings the form back with one more row, nothing saved.
    r = await post_page_form(
        client,
        "/evaluations/criteria/new",
        {"op": "add", "rows": "3", "name": name, "label-0": "Tinh thần phối hợp", "max-0": "10"},
    )
    assert r.status_code == 200
    assert len(soup(r.text).select("input[name^=label-]")) == 4
    assert value_of(r.text, "label-0") == "Tinh thần phối hợp"
    assert not await CriteriaSet.exists().where(CriteriaSet.name == name)

    # A bad maximum: refused, every typed value shown again, the message beside the field.
    typed = {
        "rows": "3",
        "name": name,
        "label-0": "Tinh thần phối hợp",
        "max-0": "10",
        "label-1": "Giải quyết đúng hạn",
        "max-1": "mười",
        "label-2": "",
        "max-2": "",
    }
    r = await post_page_form(client, "/evaluations/criteria/new", {**typed, "op": "save"})
    assert r.status_code == 422
    assert "Điểm tối đa là một số nguyên từ 1 đến 100." in alerts(r.text)
    assert value_of(r.text, "max-1") == "mười"
    assert value_of(r.text, "label-1") == "Giải quyết đúng hạn"
    assert value_of(r.text, "name") == name

    r = await post_page_form(client, "/evaluations/criteria/new", {**typed, "max-1": "5"})
    assert r.status_code == 303
    row = await CriteriaSet.select().where(CriteriaSet.name == name).first()
    assert row is not None
    assert r.headers["location"] == f"/evaluations/criteria?ok=set-saved#set-{row['id']}"
    criteria = await Criterion.select().where(Criterion.criteria_set == row["id"])
    assert [(c["label"], c["max_score"]) for c in criteria] == [
        ("Tinh thần phối hợp", 10),
        ("Giải quyết đúng hạn", 5),
    ]
    page = await client.get("/evaluations/criteria")
    assert "Tổng tối đa: 15 điểm" in page.text

    # A period: the weights must add up to 100.
    period_name = unique("Quý I/2026")
    form = {
        "name": period_name,
        "starts_on": "2026-01-01",
        "ends_on": "2026-03-31",
        "criteria_set": str(row["id"]),
        "kind_cross": "1",
        "kind_center": "1",
        "kind_self": "1",
        "weight_cross": "40",
        "weight_center": "40",
        "weight_self": "10",
    }
    r = await post_page_form(client, "/evaluations/periods/new", form)
    assert r.status_code == 422
    assert "Tổng trọng số của các hình thức được chọn phải bằng 100 (hiện là 90)." in alerts(r.text)
    assert value_of(r.text, "weight_self") == "10" and value_of(r.text, "name") == period_name
    r = await post_page_form(client, "/evaluations/periods/new", {**form, "weight_self": "20"})
    assert r.status_code == 303
    period = await EvaluationPeriod.select().where(EvaluationPeriod.name == period_name).first()
    assert period is not None and period["status"] == "draft"
    url = f"/evaluations/periods/{period['id']}"
    assert r.headers["location"] == f"{url}?ok=period-saved"

    page = await client.get(url)
    assert "Đang soạn" in text_of(page.text, ".chip")
    assert (
        "40% điểm chéo trung bình + 40% điểm Trung tâm chấm + 20% điểm tự đánh giá trung bình"
        in (" ".join(text_of(page.text, ".facts dd")))
    )
    r = await post_page_form(client, url, {}, action=f"{url}/open")
    assert r.status_code == 303 and r.headers["location"] == f"{url}?ok=period-opened"
    page = await client.get(f"{url}?ok=period-opened")
    assert "Đang mở" in text_of(page.text, ".chip")
    assert any("Đã mở kỳ đánh giá" in a for a in alerts(page.text))
    # Opened, the set can no longer be edited.
    page = await client.get(f"/evaluations/criteria/{row['id']}")
    assert "không sửa được nữa" in " ".join(alerts(page.text))
    assert not soup(page.text).select("input[name=label-0]")


@pytest.mark.parametrize("who", ["leader_snv", "specialist_snv", "counter", "admin"])
async def test_only_the_manager_defines_through_the_pages(
    client: Client, people: People, who: str
) -> None:
    user: CurrentUser = getattr(people, who)
    period = await make_period(people.manager, open_it=False)
    await sign_in_as(client, user)
    for url in ("/evaluations/criteria", "/evaluations/criteria/new", "/evaluations/periods/new"):
        assert (await client.get(url)).status_code == 403, url
    token = await csrf(client)
    for url in (
        "/evaluations/criteria/new",
        f"/evaluations/periods/{period['id']}/open",
        f"/evaluations/periods/{period['id']}/edit",
        f"/evaluations/periods/{period['id']}/delete",
    ):
        r = await client.post(url, data={"_csrf_token": token, "name": "x"})
        assert r.status_code == 403, url
    assert (await queries.load_period(period["id"]))["status"] == "draft"


async def test_anonymous_visitors_and_citizens_are_kept_out(client: Client) -> None:
    r = await client.get("/evaluations", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    await sign_in_as(client, await make_citizen())
    assert (await client.get("/evaluations")).status_code == 403


async def test_a_leader_fills_in_cross_evaluations(client: Client, people: People) -> None:
    period = await make_period(people.manager)
    pid, snv, sct = period["id"], people.agency["snv"], people.agency["sct"]
    await sign_in_as(client, people.leader_snv)

    page = await client.get("/evaluations")
    card = soup(page.text).select_one(f"#period-{pid}")
    assert card is not None
    links = [a["href"] for a in card.select("a.eval-task")]
    assert links[0] == f"/evaluations/periods/{pid}/self"
    cross_links = [h for h in links if "/cross/" in h]
    assert len(cross_links) == 19  # every other demo agency
    assert f"/evaluations/periods/{pid}/cross/{snv}" not in cross_links

    url = f"/evaluations/periods/{pid}/cross/{sct}"
    page = await client.get(url)
    assert page.status_code == 200
    assert text_of(page.text, "h1") == ["Sở Công Thương tỉnh Ninh Bình"]
    inputs = soup(page.text).select("input[name^=score-]")
    assert [(i["type"], i["min"], i["max"]) for i in inputs] == [
        ("number", "0", "10"),
        ("number", "0", "5"),
    ]

    # Bad values: refused with the reasons, and nothing typed is lost.
    bad = {**score_fields(period, "12", ""), "comment": "Phối hợp chậm"}
    r = await post_page_form(client, url, bad)
    assert r.status_code == 422
    assert "Điểm phải từ 0 đến 10." in alerts(r.text)
    assert "Vui lòng nhập điểm cho tiêu chí này." in alerts(r.text)
    first, second = (f"score-{c['id']}" for c in period["criteria"])
    assert value_of(r.text, first) == "12"
    assert value_of(r.text, "comment") == "Phối hợp chậm"
    assert soup(r.text).select_one(f"input[name='{first}']")["aria-invalid"] == "true"
    assert await Evaluation.count().where(Evaluation.period == pid) == 0

    # Good values ("8,5" as a Vietnamese writes it): saved, on to the next agency.
    r = await post_page_form(client, url, {**score_fields(period, "8,5", "4"), "comment": ""})
    assert r.status_code == 303
    assert re.fullmatch(
        rf"/evaluations/periods/{pid}/cross/\d+\?saved={sct}", r.headers["location"]
    )
    assert f"/cross/{sct}?" not in r.headers["location"]
    page = await client.get(r.headers["location"])
    assert "Đã lưu phiếu cho Sở Công Thương tỉnh Ninh Bình." in " ".join(alerts(page.text))

    page = await client.get("/evaluations")
    done = soup(page.text).select_one(f"a[href='{url}']")
    assert done is not None and "Đã chấm: 12,5/15" in done.get_text(" ", strip=True)
    # Back on the form: the saved scores, editable.
    page = await client.get(url)
    assert value_of(page.text, first) == "8.5" and value_of(page.text, second) == "4"
    assert any("12,5/15" in n for n in text_of(page.text, ".note"))

    # Never their own agency, by page or by post.
    own = f"/evaluations/periods/{pid}/cross/{snv}"
    assert (await client.get(own)).status_code == 403
    token = await csrf(client)
    r = await client.post(own, data={"_csrf_token": token, **score_fields(period, "10", "5")})
    assert r.status_code == 403
    assert await Evaluation.count().where(Evaluation.period == pid) == 1
    # Nor the center's forms.
    assert (await client.get(f"/evaluations/periods/{pid}/center/{sct}")).status_code == 403


async def test_a_closed_period_refuses_forms_and_shows_them_read_only(
    client: Client, people: People
) -> None:
    period = await make_period(people.manager)
    pid = period["id"]
    await scoring.submit(
        people.specialist_snv, pid, Kind.SELF, None, score_fields(period, "9", "4")
    )
    await sign_in_as(client, people.specialist_snv)
    url = f"/evaluations/periods/{pid}/self"
    page = await client.get(url)
    token = form_token(page.text)
    await periods.set_status(people.manager, pid, "close")

    r = await client.post(url, data={"_csrf_token": token, **score_fields(period, "2", "1")})
    assert r.status_code == 409
    assert "Kỳ đánh giá đã khóa nên không thể nộp hay sửa phiếu nữa." in alerts(r.text)
    first = f"score-{period['criteria'][0]['id']}"
    assert value_of(r.text, first) == "2"  # what was typed, even though it cannot be saved
    row = await Evaluation.select(Evaluation.total).where(Evaluation.period == pid).first()
    assert row is not None and float(row["total"]) == 13

    page = await client.get(url)
    assert soup(page.text).select_one("fieldset.eval-fieldset[disabled]") is not None
    assert not soup(page.text).select("form.eval-score-form button[type=submit]")
    # Closed periods are not on the to-do list.
    assert not soup((await client.get("/evaluations")).text).select(f"#period-{pid}")


async def test_officials_assess_themselves_and_find_the_link(
    client: Client, people: People
) -> None:
    period = await make_period(people.manager)
    pid = period["id"]
    for user in (people.specialist_snv, people.counter):
        await sign_in_as(client, user)
        queue = await client.get("/staff/queue")
        assert "Đánh giá, chấm điểm" in text_of(queue.text, "nav.tabs a")
        page = await client.get("/evaluations")
        card = soup(page.text).select_one(f"#period-{pid}")
        assert card is not None
        assert [a["href"] for a in card.select("a.eval-task")] == [
            f"/evaluations/periods/{pid}/self"
        ]
        r = await post_page_form(
            client, f"/evaluations/periods/{pid}/self", score_fields(period, "9", "5")
        )
        assert (
            r.status_code == 303 and r.headers["location"] == f"/evaluations?ok=saved#period-{pid}"
        )
        page = await client.get("/evaluations?ok=saved")
        assert "Đã chấm: 14/15" in " ".join(text_of(page.text, f"#period-{pid} .chip"))


async def test_the_results_table_for_the_manager_and_a_leader(
    client: Client, people: People
) -> None:
    """Sở Nội vụ: scored 8 + 4 = 12 by Sở Công Thương, 9 + 5 = 14 by the center; its
    specialist assesses 7 + 3 = 10. Combined: 0.4 x 12 + 0.4 x 14 + 0.2 x 10 = 12.4."""
    period = await make_period(people.manager)
    pid, snv = period["id"], people.agency["snv"]
    await scoring.submit(people.leader_sct, pid, Kind.CROSS, snv, score_fields(period, "8", "4"))
    await scoring.submit(people.manager, pid, Kind.CENTER, snv, score_fields(period, "9", "5"))
    await scoring.submit(
        people.specialist_snv, pid, Kind.SELF, None, score_fields(period, "7", "3")
    )
    url = f"/evaluations/periods/{pid}/results"

    await sign_in_as(client, people.manager)
    page = await client.get(url)
    assert page.status_code == 200
    rows = soup(page.text).select("table.eval-results tbody tr")
    assert len(rows) >= 20
    first = rows[0]
    assert first.select_one("th").get_text(strip=True) == "Sở Nội vụ tỉnh Ninh Bình"
    cells = [" ".join(td.get_text(" ").split()) for td in first.select("td")]
    assert cells == [
        "12 1/19 cơ quan đã chấm",
        "14",
        "10 1 người đã nộp",
        "12,4",
    ]
    labels = [td["data-label"] for td in first.select("td")]
    assert labels == ["Điểm chéo (TB)", "Trung tâm chấm", "Tự đánh giá (TB)", "Tổng hợp"]
    headings = text_of(page.text, ".eval-missing h3")
    assert any(h.startswith("Cơ quan chưa chấm chéo đủ") for h in headings)
    assert any(h.startswith("Cán bộ chưa tự đánh giá") for h in headings)
    assert any(h.startswith("Cơ quan Trung tâm chưa chấm") for h in headings)
    missing_people = " ".join(text_of(page.text, ".eval-missing .eval-names li"))
    assert people.leader_snv.full_name in missing_people
    assert people.specialist_snv.full_name not in missing_people

    period_page = await client.get(f"/evaluations/periods/{pid}")
    progress = text_of(period_page.text, ".eval-progress li strong")
    assert progress[0] == "1/380 phiếu"  # 20 agencies x 19 others

    # The leader of Sở Nội vụ: their agency's row only.
    await sign_in_as(client, people.leader_snv)
    page = await client.get(url)
    assert page.status_code == 200
    assert text_of(page.text, "table.eval-results tbody th") == ["Sở Nội vụ tỉnh Ninh Bình"]
    assert people.counter.full_name not in page.text
    assert (await client.get(f"/evaluations/periods/{pid}", follow_redirects=False)).headers[
        "location"
    ] == url

    await sign_in_as(client, people.specialist_snv)
    assert (await client.get(url)).status_code == 403


async def test_an_open_period_edits_only_its_name_dates_and_weights(
    client: Client, people: People
) -> None:
    period = await make_period(people.manager)
    pid = period["id"]
    other_set = await make_set(people.manager)
    await sign_in_as(client, people.manager)
    url = f"/evaluations/periods/{pid}/edit"
    page = await client.get(url)
    assert soup(page.text).select_one("select[name=criteria_set][disabled]") is not None
    assert len(soup(page.text).select("input[type=checkbox][disabled]")) == 3
    # Disabled fields are not posted; one posted anyway (by hand) changes nothing.
    form = {
        "name": "Quý I/2026 (gia hạn)",
        "starts_on": "2026-01-01",
        "ends_on": "2026-04-15",
        "criteria_set": str(other_set),
        "weight_cross": "50",
        "weight_center": "30",
        "weight_self": "20",
    }
    r = await post_page_form(client, url, form)
    assert r.status_code == 303, r.text
    again = await queries.load_period(pid)
    assert (again["name"], str(again["ends_on"]), again["criteria_set"]) == (
        "Quý I/2026 (gia hạn)",
        "2026-04-15",
        period["criteria_set"],
    )
    assert again["kinds"] == (Kind.CROSS, Kind.CENTER, Kind.SELF)
    assert (again["weight_cross"], again["weight_center"]) == (50, 30)
