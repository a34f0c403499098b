"""The reports' files (issue 13): the dashboard's table as CSV and XLSX holds exactly the
figures of the period and scope; the periodic report's numbers add up and its backlog is that
of the period's end; a leader gets only their agency; nobody else gets any; a name typed as a
formula stays text. On both engines."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from backend.catalog.tables import Agency
from backend.dossiers.workflow import Action, State
from backend.lib.formatting import format_datetime
from backend.reports.periods import Period, period_of
from backend.reports.queries import Figures, figures
from tests.conftest import Clock
from tests.dossiers.factory import Factory
from tests.dossiers.test_clock_starts_at_receipt import at
from tests.helpers import Client, sign_in_as

# Days no other test touches: past years (tests/reports/test_counting.py takes windows from
# 2031 on, as many as hypothesis tries; the real clock is later). Every dossier left open is
# closed at the end of its test, so none is carried over into another test's periods.
QUARTER = date(2021, 1, 1)
MONTH_BEFORE, MONTH, MONTH_AFTER = date(2022, 7, 1), date(2022, 8, 1), date(2022, 9, 1)

# What each column of the dashboard's table must hold, by its header (group - column).
EXPECTED: dict[str, Callable[[Figures], float | int | None]] = {
    "Tiếp nhận - Tổng số": lambda f: f["received"],
    "Tiếp nhận - Trực tiếp": lambda f: f["received_counter"],
    "Tiếp nhận - Trực tuyến": lambda f: f["received_online"],
    "Tiếp nhận - Qua bưu chính": lambda f: f["received_post"],
    "Kỳ trước chuyển sang": lambda f: f["carried_over"],
    "Đã giải quyết - Tổng số": lambda f: f.finished,
    "Đã giải quyết - Trước hạn": lambda f: f["early"],
    "Đã giải quyết - Đúng hạn": lambda f: f["on_time"],
    "Đã giải quyết - Trễ hạn": lambda f: f["late"],
    "Tỷ lệ đúng hạn": lambda f: f.on_time_share,
    "Đang giải quyết": lambda f: f.in_progress,
    "Quá hạn hiện nay": lambda f: f["overdue_now"],
    "Rút hồ sơ": lambda f: f["withdrawn"],
    "Từ chối tiếp nhận": lambda f: f["refused"],
    "Dừng giải quyết": lambda f: f["stopped"],
    "Thời gian giải quyết (ngày làm việc) - Trung bình": lambda f: f.average_days,
    "Thời gian giải quyết (ngày làm việc) - Trung vị": lambda f: f.median_days,
    "Yêu cầu bổ sung - Tổng số": lambda f: f["supplement_requests"],
    "Yêu cầu bổ sung - Lần thứ hai": lambda f: f["second_supplements"],
    "Văn bản xin lỗi": lambda f: f["apologies"],
    "Kết quả điện tử": lambda f: f["electronic_results"],
}
SHARES = {"Tỷ lệ đúng hạn"}
FRACTIONS = SHARES | {k for k in EXPECTED if k.startswith("Thời gian")}


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode()), "UTF-8 with a BOM, for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8").removeprefix("\ufeff"))))


def sheet_of(body: bytes) -> Worksheet:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def merged_value(sheet: Worksheet, row: int, col: int) -> Any:
    """A cell's value, or that of the merged range it lies in."""
    for cells in sheet.merged_cells.ranges:
        if cells.min_row <= row <= cells.max_row and cells.min_col <= col <= cells.max_col:
            return sheet.cell(cells.min_row, cells.min_col).value
    return sheet.cell(row, col).value


def header_row(sheet: Worksheet, text: str) -> int:
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, 1).value == text:
            return row
    raise AssertionError(f"no row starts with {text!r}")


def xlsx_table(sheet: Worksheet) -> tuple[list[str], list[list[Any]]]:
    """The dashboard sheet's headers (group - column, as the CSV writes them) and rows."""
    top = header_row(sheet, "Cơ quan")
    titles = []
    for col in range(2, sheet.max_column + 1):
        group, name = merged_value(sheet, top, col), merged_value(sheet, top + 1, col)
        titles.append(group if group == name else f"{group} - {name}")
    rows = [
        [c.value for c in line]
        for line in sheet.iter_rows(min_row=top + 2, max_row=sheet.max_row)
        if line[0].value is not None
    ]
    return titles, rows


async def agency_id(code: str) -> int:
    row = await Agency.select(Agency.id).where(Agency.code == code).first()
    assert row is not None
    return int(row["id"])


async def make_quarter(factory: Factory, clock: Clock) -> list[int]:
    """Dossiers of both test agencies, received and handled in QUARTER's first weeks; returns
    those left open."""
    clock.now = at(date(2021, 1, 12), 9)  # a Tuesday
    await factory.create(State.DONE)
    await factory.create(State.DONE, result_kind="electronic")
    await factory.create(State.STOPPED)
    left = [await factory.create(State.PROCESSING_SUPPLEMENT)]
    left.append(await factory.create(State.PROCESSING, agency="sxd"))
    late = await factory.create(State.PROCESSING, agency="sxd")
    clock.now = at(date(2021, 2, 24), 10)
    await factory.act(factory.staff("sxd", "specialist"), late, Action.DRAFT_RESULT)
    await factory.act(factory.staff("sxd", "leader"), late, Action.APPROVE)
    clock.now = at(date(2021, 3, 4), 11)
    return left


async def close(factory: Factory, clock: Clock, dossiers: list[int], day: date) -> None:
    """The citizen withdraws what a test left open, after the test's periods."""
    clock.now = at(day, 9)
    for dossier_id in dossiers:
        await factory.act(factory.people["owner"], dossier_id, Action.WITHDRAW)


def check_row(titles: list[str], cells: list[Any], f: Figures, *, xlsx: bool, where: str) -> None:
    assert set(titles) == set(EXPECTED), where
    for title, cell in zip(titles, cells, strict=True):
        want = EXPECTED[title](f)
        if xlsx:
            if want is None:
                assert cell is None, (where, title)
            elif title in SHARES:
                assert cell == pytest.approx(want / 100), (where, title)
            else:
                assert isinstance(cell, int | float) and cell == pytest.approx(want), (
                    where,
                    title,
                    cell,
                )
        elif want is None:
            assert cell == "", (where, title)
        elif title in FRACTIONS:
            assert float(cell) == round(want, 1), (where, title, cell)
        else:
            assert cell == str(want), (where, title, cell)


async def test_the_csv_and_the_xlsx_hold_the_figures_of_the_period(
    client: Client, clock: Clock, factory: Factory
) -> None:
    left = await make_quarter(factory, clock)
    await sign_in_as(client, factory.people["manager"])
    query = {"period": "quarter", "first": "2021-02-10"}
    made_at = clock.now
    csv_answer = await client.get("/manage/reports/export.csv", params=query)
    xlsx_answer = await client.get("/manage/reports/export.xlsx", params=query)
    period = Period("quarter", QUARTER, date(2021, 3, 31))
    rows, total = await figures(period)
    by_name = {f.name: f for f in rows}
    assert by_name, "the quarter has figures"

    for answer, ext in ((csv_answer, "csv"), (xlsx_answer, "xlsx")):
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "private, no-store"
        assert answer.headers["content-disposition"] == (
            f'attachment; filename="bao-cao-2021-01-01-2021-03-31.{ext}"'
        )
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert xlsx_answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )

    lines = read_csv(csv_answer.content)
    assert lines[0] == [
        "Tình hình tiếp nhận và giải quyết hồ sơ theo cơ quan",
        "Từ ngày 01/01/2021 đến ngày 31/03/2021",
        f"Số liệu tính đến {format_datetime(made_at)}",
    ]
    assert lines[1][0] == "Cơ quan"
    titles = [t.removesuffix(" (%)") for t in lines[1][1:]]
    assert [line[0] for line in lines[2:]] == [*(f.name for f in rows), "Tổng cộng"]
    for line in lines[2:]:
        f = by_name.get(line[0], total)
        check_row(titles, line[1:], f, xlsx=False, where=line[0])

    sheet = sheet_of(xlsx_answer.content)
    texts = [sheet.cell(r, 1).value for r in (1, 2, 3)]
    assert texts == lines[0]
    x_titles, x_rows = xlsx_table(sheet)
    assert x_titles == titles
    assert [r[0] for r in x_rows] == [*(f.name for f in rows), "Tổng cộng"]
    for cells in x_rows:
        check_row(x_titles, cells[1:], by_name.get(cells[0], total), xlsx=True, where=cells[0])
    assert sheet.freeze_panes == "B7"
    share_col = 2 + x_titles.index("Tỷ lệ đúng hạn")
    assert "%" in sheet.cell(7, share_col).number_format

    stp = by_name[await agency_names_of("stp")]
    assert stp["received"] >= 4 and stp["electronic_results"] >= 1 and stp["stopped"] >= 1
    sxd = by_name[await agency_names_of("sxd")]
    assert sxd["late"] >= 1 and sxd.in_progress >= 1
    await close(factory, clock, left, date(2021, 4, 6))


async def agency_names_of(code: str) -> str:
    row = await Agency.select(Agency.name).where(Agency.code == code).first()
    assert row is not None
    return str(row["name"])


@pytest.mark.parametrize("path", ["export.csv", "export.xlsx", "periodic.xlsx"])
async def test_a_leader_gets_their_own_agency_whatever_they_ask(
    client: Client, clock: Clock, factory: Factory, path: str
) -> None:
    clock.now = at(date(2021, 3, 4), 11)
    sxd, stp = await agency_id("sxd"), await agency_id("stp")
    query = {"period": "quarter", "first": "2021-01-01", "agency": str(stp)}
    await sign_in_as(client, factory.staff("sxd", "leader"))
    answer = await client.get(f"/manage/reports/{path}", params=query)
    assert answer.status_code == 200, answer.text
    assert f"co-quan-{sxd}." in answer.headers["content-disposition"]
    rows, _ = await figures(period_of("quarter", "2021-01-01", "", QUARTER), sxd)
    assert [f.name for f in rows] == [await agency_names_of("sxd")]
    names = await names_in(answer.content, path)
    assert names == [rows[0].name, "Tổng cộng"]
    # The manager chooses: the same agency when asked for it, every agency otherwise.
    await sign_in_as(client, factory.people["manager"])
    asked = await client.get(f"/manage/reports/{path}", params={**query, "agency": str(sxd)})
    assert await names_in(asked.content, path) == names
    everything = await client.get(f"/manage/reports/{path}", params={**query, "agency": ""})
    assert len(await names_in(everything.content, path)) > 2


async def names_in(body: bytes, path: str) -> list[str]:
    if path.endswith(".csv"):
        return [line[0] for line in read_csv(body)[2:]]
    sheet = sheet_of(body)
    if path == "periodic.xlsx":
        first = header_row(sheet, "(1)") + 1
        return [
            str(sheet.cell(r, 2).value)
            for r in range(first, sheet.max_row + 1)
            if isinstance(sheet.cell(r, 1).value, int) or sheet.cell(r, 2).value == "Tổng cộng"
        ]
    return [r[0] for r in xlsx_table(sheet)[1]]


@pytest.mark.parametrize("who", ["owner", "counter", "stp.specialist", "postal"])
async def test_nobody_else_gets_the_files(client: Client, factory: Factory, who: str) -> None:
    if who == "postal":
        from backend.access.roles import Role
        from tests.helpers import make_user

        person = await make_user(Role.POSTAL, "test.exports.postal")
    else:
        person = factory.people[who]
    await sign_in_as(client, person)
    for path in ("export.csv", "export.xlsx", "periodic.xlsx"):
        answer = await client.get(f"/manage/reports/{path}", follow_redirects=False)
        assert answer.status_code in (403, 404), (who, path)
        assert "Tổng cộng" not in answer.text


async def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    client.cookies.clear()
    answer = await client.get("/manage/reports/export.csv", follow_redirects=False)
    assert answer.status_code in (302, 303) and "/login" in answer.headers["location"]


async def test_a_name_typed_as_a_formula_comes_out_as_text(
    client: Client, clock: Clock, factory: Factory
) -> None:
    clock.now = at(date(2021, 3, 4), 11)
    sxd = await agency_id("sxd")
    name = await agency_names_of("sxd")
    formula = '=HYPERLINK("http://example.com","Sở")'
    await Agency.update({Agency.name: formula}).where(Agency.id == sxd)
    try:
        await sign_in_as(client, factory.staff("sxd", "leader"))
        query = {"period": "quarter", "first": "2021-01-01"}
        lines = read_csv((await client.get("/manage/reports/export.csv", params=query)).content)
        assert lines[2][0] == "'" + formula
        for path in ("export.xlsx", "periodic.xlsx"):
            body = (await client.get(f"/manage/reports/{path}", params=query)).content
            sheet = sheet_of(body)
            cells = [c for line in sheet.iter_rows() for c in line if c.value == formula]
            assert cells and all(c.data_type == "s" for c in cells), path
            assert not any(c.data_type == "f" for line in sheet.iter_rows() for c in line), (
                "no formula at all"
            )
    finally:
        await Agency.update({Agency.name: name}).where(Agency.id == sxd)


# --- the periodic report --------------------------------------------------------------------

COLUMNS = (
    "received",  # (3)
    "online",  # (4)
    "in_person_or_post",  # (5)
    "carried_over",  # (6)
    "finished",  # (7)
    "early",  # (8)
    "on_time",  # (9)
    "late",  # (10)
    "in_progress",  # (11)
    "within",  # (12)
    "overdue",  # (13)
    "withdrawn_or_stopped",  # (14)
)


def periodic_lines(body: bytes) -> dict[str, dict[str, int]]:
    sheet = sheet_of(body)
    numbers = header_row(sheet, "(1)")
    assert [sheet.cell(numbers, c).value for c in range(1, 15)] == [f"({n})" for n in range(1, 15)]
    lines = {}
    for row in range(numbers + 1, sheet.max_row + 1):
        name = sheet.cell(row, 2).value
        if not (isinstance(sheet.cell(row, 1).value, int) or name == "Tổng cộng"):
            continue
        cells = [sheet.cell(row, c).value for c in range(3, 15)]
        assert all(isinstance(v, int) for v in cells), (name, cells)
        lines[str(name)] = dict(zip(COLUMNS, cells, strict=True))
    return lines


def adds_up(n: dict[str, int]) -> None:
    assert n["received"] == n["carried_over"] + n["online"] + n["in_person_or_post"], n
    assert n["finished"] == n["early"] + n["on_time"] + n["late"], n
    assert n["in_progress"] == n["within"] + n["overdue"], n
    assert n["received"] == n["finished"] + n["in_progress"] + n["withdrawn_or_stopped"], n
    assert min(n.values()) >= 0, n


async def periodic(client: Client, month: date) -> dict[str, dict[str, int]]:
    answer = await client.get(
        "/manage/reports/periodic.xlsx", params={"period": "month", "first": month.isoformat()}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "private, no-store"
    return periodic_lines(answer.content)


async def test_the_periodic_report_adds_up_and_counts_the_backlog_at_the_end_of_the_period(
    client: Client, clock: Clock, factory: Factory
) -> None:
    stp = await agency_names_of("stp")
    # Received in MONTH, past its appointment and still in progress when MONTH ends, decided
    # (late) in MONTH_AFTER; another waiting for the citizen's papers when MONTH ends (the
    # clock stopped: not overdue), withdrawn in MONTH_AFTER; one received and decided in
    # MONTH; one withdrawn in MONTH.
    clock.now = at(date(2022, 8, 9), 9)  # a Tuesday
    overdue = await factory.create(State.PROCESSING)
    paused = await factory.create(State.PROCESSING_SUPPLEMENT)
    await factory.create(State.DONE)
    withdrawn = await factory.create(State.RECEIVED)
    clock.now = at(date(2022, 8, 10), 9)
    await factory.act(factory.people["owner"], withdrawn, Action.WITHDRAW)
    clock.now = at(date(2022, 9, 13), 10)
    await factory.act(factory.staff("stp", "specialist"), overdue, Action.DRAFT_RESULT)
    await factory.act(factory.staff("stp", "leader"), overdue, Action.APPROVE)
    await factory.act(factory.people["owner"], paused, Action.WITHDRAW)
    clock.now = at(date(2022, 10, 4), 8)

    await sign_in_as(client, factory.people["manager"])
    before, during, after = [await periodic(client, m) for m in (MONTH_BEFORE, MONTH, MONTH_AFTER)]
    for report in (before, during, after):
        for line in report.values():
            adds_up(line)
        assert (
            sum(line["received"] for n, line in report.items() if n != "Tổng cộng")
            == (report["Tổng cộng"]["received"])
        )
    # The same numbers as the dashboard's figures for the period.
    month = Period("month", MONTH, date(2022, 8, 31))
    rows, total = await figures(month)
    for f in [*rows, total]:
        line = during[f.name or "Tổng cộng"]
        assert line["carried_over"] == f["carried_over"]
        assert line["online"] == f["received_online"]
        assert line["in_person_or_post"] == f["received_counter"] + f["received_post"]
        assert (line["early"], line["on_time"], line["late"]) == (
            f["early"],
            f["on_time"],
            f["late"],
        )
        assert line["in_progress"] == f.in_progress
        assert line["withdrawn_or_stopped"] == f["withdrawn"] + f["stopped"]
    # Ours, against the month before (whatever older tests left in progress stays as it was).
    nothing = dict.fromkeys(COLUMNS, 0)  # an agency with nothing in a period has no line
    a, b, c = before.get(stp, nothing), during[stp], after[stp]
    assert b["carried_over"] == a["in_progress"]
    assert b["received"] - b["carried_over"] == 4
    assert b["in_progress"] - a["in_progress"] == 2
    assert b["overdue"] - a["overdue"] == 1, "past its date when the month ended, not paused"
    assert b["withdrawn_or_stopped"] == 1
    assert c["late"] == 1 and c["withdrawn_or_stopped"] == 1
    assert c["overdue"] == a["overdue"] and c["in_progress"] == a["in_progress"]


async def test_a_periodic_report_of_the_current_period_counts_what_is_late_now(
    client: Client, clock: Clock, factory: Factory
) -> None:
    clock.now = at(date(2023, 6, 2), 9)
    late = await factory.create(State.PROCESSING)
    clock.now = at(date(2023, 6, 26), 9)  # its appointment has passed
    await sign_in_as(client, factory.people["manager"])
    report = await periodic(client, date(2023, 6, 1))
    rows, _ = await figures(Period("month", date(2023, 6, 1), date(2023, 6, 30)))
    for f in rows:
        assert report[f.name]["overdue"] == f["overdue_now"]
        adds_up(report[f.name])
    assert report[await agency_names_of("stp")]["overdue"] >= 1
    await close(factory, clock, [late], date(2023, 7, 4))


def test_the_period_of_the_report_is_named_as_the_form_asks() -> None:
    from backend.reports.exports import report_period_name

    def name(kind: str, first: str, last: str = "") -> str:
        return report_period_name(period_of(kind, first, last, date(2030, 1, 1)))

    assert name("month", "2042-02-10") == "Tháng 2 năm 2042"
    assert name("quarter", "2042-08-10") == "Quý III năm 2042"
    assert name("year", "2042-08-10") == "Năm 2042"
    assert name("custom", "2042-08-10", "2042-09-05") == "Từ ngày 10/08/2042 đến ngày 05/09/2042"
