"""The reports as files: the dashboard's table per agency as CSV and XLSX, and the periodic
report on the handling of procedures that the center files upward, as XLSX.

Pure functions from figures to bytes (no web framework, no database): backend.reports.
pages/exports.py fetches the figures and sends the files. Headers are Vietnamese only, like the
register's CSV: these files go to Vietnamese offices whatever the language of the screen.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import xlsxwriter

from backend.lib.formatting import format_date, format_datetime
from backend.lib.spreadsheet import as_text
from backend.reports.periods import Period
from backend.reports.queries import Figures

TITLE = "Tình hình tiếp nhận và giải quyết hồ sơ theo cơ quan"
TOTAL = "Tổng cộng"
NAME = "Cơ quan"


@dataclass(frozen=True)
class Column:
    group: str  # the header above several columns, "" for a column of its own
    header: str
    value: Callable[[Figures], float | int | None]
    kind: str = "count"  # count | days | share (a percentage, 0-100)

    @property
    def title(self) -> str:
        """One line, for the CSV."""
        text = f"{self.group} - {self.header}" if self.group else self.header
        return text + " (%)" if self.kind == "share" else text


def _metric(name: str) -> Callable[[Figures], int]:
    return lambda f: f[name]


_RECEIVED = "Tiếp nhận"
_FINISHED = "Đã giải quyết"
_DAYS = "Thời gian giải quyết (ngày làm việc)"
_SUPPLEMENTS = "Yêu cầu bổ sung"
COLUMNS: tuple[Column, ...] = (
    Column(_RECEIVED, "Tổng số", _metric("received")),
    Column(_RECEIVED, "Trực tiếp", _metric("received_counter")),
    Column(_RECEIVED, "Trực tuyến", _metric("received_online")),
    Column(_RECEIVED, "Qua bưu chính", _metric("received_post")),
    Column("", "Kỳ trước chuyển sang", _metric("carried_over")),
    Column(_FINISHED, "Tổng số", lambda f: f.finished),
    Column(_FINISHED, "Trước hạn", _metric("early")),
    Column(_FINISHED, "Đúng hạn", _metric("on_time")),
    Column(_FINISHED, "Trễ hạn", _metric("late")),
    Column("", "Tỷ lệ đúng hạn", lambda f: f.on_time_share, "share"),
    Column("", "Đang giải quyết", lambda f: f.in_progress),
    Column("", "Quá hạn hiện nay", _metric("overdue_now")),
    Column("", "Rút hồ sơ", _metric("withdrawn")),
    Column("", "Từ chối tiếp nhận", _metric("refused")),
    Column("", "Dừng giải quyết", _metric("stopped")),
    Column(_DAYS, "Trung bình", lambda f: f.average_days, "days"),
    Column(_DAYS, "Trung vị", lambda f: f.median_days, "days"),
    Column(_SUPPLEMENTS, "Tổng số", _metric("supplement_requests")),
    Column(_SUPPLEMENTS, "Lần thứ hai", _metric("second_supplements")),
    Column("", "Văn bản xin lỗi", _metric("apologies")),
    Column("", "Kết quả điện tử", _metric("electronic_results")),
)


def period_text(period: Period) -> str:
    return f"Từ ngày {format_date(period.first)} đến ngày {format_date(period.last)}"


def made_text(made_at: datetime) -> str:
    return f"Số liệu tính đến {format_datetime(made_at)}"


def _csv_value(value: float | int | None, kind: str) -> str:
    """Numbers as a spreadsheet reads them in any locale's import: a dot for decimals, one
    decimal as on the screen; nothing where the dashboard shows "—"."""
    if value is None:
        return ""
    return str(value) if kind == "count" else f"{value:.1f}"


def dashboard_csv(rows: list[Figures], total: Figures, period: Period, made_at: datetime) -> bytes:
    """UTF-8 with a BOM, so that Excel shows the Vietnamese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([TITLE, period_text(period), made_text(made_at)])
    writer.writerow([NAME, *(c.title for c in COLUMNS)])
    for f in [*rows, total]:
        name = as_text(f.name) if f is not total else TOTAL
        writer.writerow([name, *(_csv_value(c.value(f), c.kind) for c in COLUMNS)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


class _Book:
    """An XlsxWriter workbook in memory, with the few formats the reports use."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {"in_memory": True})
        base = {"font_name": "Times New Roman", "font_size": 11}
        cell = {**base, "border": 1, "valign": "vcenter"}
        add = self.book.add_format
        self.title = add({**base, "bold": True, "font_size": 14})
        self.centered_title = add({**base, "bold": True, "font_size": 13, "align": "center"})
        self.plain = add(base)
        self.italic = add({**base, "italic": True})
        self.centered = add({**base, "align": "center"})
        self.head = add(
            {**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#E8EEF4"}
        )
        self.number_head = add({**cell, "italic": True, "align": "center"})
        self.text = add({**cell, "text_wrap": True})
        self.index = add({**cell, "align": "center"})
        self.formats = {
            "count": add({**cell, "num_format": "#,##0"}),
            "days": add({**cell, "num_format": "0.0"}),
            "share": add({**cell, "num_format": "0.0%"}),
        }
        bold = {**cell, "bold": True}
        self.total_text = add(bold)
        self.total_formats = {
            "count": add({**bold, "num_format": "#,##0"}),
            "days": add({**bold, "num_format": "0.0"}),
            "share": add({**bold, "num_format": "0.0%"}),
        }

    def number(self, sheet: Any, row: int, col: int, value: Any, kind: str, bold: bool) -> None:
        """A real number (a share as a fraction, shown as a percentage); a bordered empty cell
        where there is nothing to show."""
        fmt = (self.total_formats if bold else self.formats)[kind]
        if value is None:
            sheet.write_blank(row, col, None, fmt)
        else:
            sheet.write_number(row, col, value / 100 if kind == "share" else value, fmt)

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


# The dashboard sheet: title lines, then two header rows, then the agencies and the total.
HEADER_ROW = 4
FIRST_DATA_ROW = HEADER_ROW + 2


def dashboard_xlsx(rows: list[Figures], total: Figures, period: Period, made_at: datetime) -> bytes:
    x = _Book()
    sheet = x.book.add_worksheet("Báo cáo")
    last_col = len(COLUMNS)
    sheet.write_string(0, 0, TITLE, x.title)
    sheet.write_string(1, 0, period_text(period), x.plain)
    sheet.write_string(2, 0, made_text(made_at), x.italic)
    _two_header_rows(sheet, x, HEADER_ROW, [NAME], COLUMNS)
    row = FIRST_DATA_ROW
    for f in [*rows, total]:
        bold = f is total
        sheet.write_string(row, 0, TOTAL if bold else f.name, x.total_text if bold else x.text)
        for col, c in enumerate(COLUMNS, start=1):
            x.number(sheet, row, col, c.value(f), c.kind, bold)
        row += 1
    sheet.set_column(0, 0, 38)
    sheet.set_column(1, last_col, 11)
    sheet.set_row(HEADER_ROW + 1, 45)
    sheet.freeze_panes(FIRST_DATA_ROW, 1)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW, HEADER_ROW + 1)
    return x.close()


def _two_header_rows(
    sheet: Any, x: _Book, top: int, leading: list[str], columns: tuple[Column, ...]
) -> None:
    """Groups merged across their columns on the first row; a column of its own takes both."""
    for col, text in enumerate(leading):
        sheet.merge_range(top, col, top + 1, col, text, x.head)
    col = len(leading)
    while col < len(leading) + len(columns):
        c = columns[col - len(leading)]
        if not c.group:
            sheet.merge_range(top, col, top + 1, col, c.header, x.head)
            col += 1
            continue
        span = sum(1 for other in columns if other.group == c.group)
        sheet.merge_range(top, col, top, col + span - 1, c.group, x.head)
        for i in range(span):
            sheet.write_string(top + 1, col + i, columns[col - len(leading) + i].header, x.head)
        col += span


# --- the periodic report -------------------------------------------------------------------
#
# The layout of the report on the situation and results of handling administrative procedures
# (Circular 01/2020/TT-VPCP, annex II, form "II.06a/VPCP/KSTT": "Tình hình, kết quả giải quyết
# thủ tục hành chính tại ..."). NOT VERIFIED against the circular's own text, which was not
# at hand: the columns follow two independent implementations of that form by provincial
# one-stop systems (three of them checked on 6 December 2026, all in this order: STT; field or
# unit; received: total, in the period online and in person/by post, from the period before;
# finished: total, early, on time, late; in progress: total, within the time limit, overdue).
# Circular 5/2025/TT-VPCP (in force 15/02/2026) appears to replace 01/2020 under the same
# title; its forms were not at hand either. The form lists fields (lĩnh vực); this report lists
# the deciding agencies, which is what the center supervises. Column 14 is ours, outside the
# form: dossiers received but withdrawn or stopped, so that (3) = (7) + (11) + (14).

FORM_CODE = "Biểu số II.06a/VPCP/KSTT"
PERIODIC_TITLE = (
    "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"
)
UNIT_LINE = "Đơn vị tính: Số hồ sơ TTHC."
_QUARTERS = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class PeriodicLine:
    """One line of the periodic report, in the form's columns (3) to (14)."""

    name: str
    carried_over: int
    online: int
    in_person_or_post: int
    early: int
    on_time: int
    late: int
    overdue: int  # in progress and past form 01's date at the end of the period
    in_progress: int
    withdrawn_or_stopped: int

    @classmethod
    def of(cls, f: Figures, overdue: int, name: str | None = None) -> PeriodicLine:
        return cls(
            name=f.name if name is None else name,
            carried_over=f["carried_over"],
            online=f["received_online"],
            in_person_or_post=f["received_counter"] + f["received_post"],
            early=f["early"],
            on_time=f["on_time"],
            late=f["late"],
            overdue=overdue,
            in_progress=f.in_progress,
            withdrawn_or_stopped=f["withdrawn"] + f["stopped"],
        )

    def cells(self) -> list[int]:
        received = self.carried_over + self.online + self.in_person_or_post
        finished = self.early + self.on_time + self.late
        return [
            received,
            self.online,
            self.in_person_or_post,
            self.carried_over,
            finished,
            self.early,
            self.on_time,
            self.late,
            self.in_progress,
            self.in_progress - self.overdue,
            self.overdue,
            self.withdrawn_or_stopped,
        ]


def report_period_name(period: Period) -> str:
    """ "Tháng 3 năm 2031", "Quý I năm 2031", "Năm 2031", or the days of a chosen period."""
    first = period.first
    if period.kind == "month":
        return f"Tháng {first.month} năm {first.year}"
    if period.kind == "quarter":
        return f"Quý {_QUARTERS[(first.month - 1) // 3]} năm {first.year}"
    if period.kind == "year":
        return f"Năm {first.year}"
    return period_text(period)


# (row offset, rows below it, first column, last column, text) of the form's header cells; a
# range of more than one cell is merged. Columns: 0 STT, 1 agency, 2-5 received, 6-9
# finished, 10-12 in progress, 13 withdrawn or stopped.
_PERIODIC_HEAD: tuple[tuple[int, int, int, int, str], ...] = (
    (0, 2, 0, 0, "STT"),
    (0, 2, 1, 1, "Cơ quan, đơn vị giải quyết"),
    (0, 0, 2, 5, "Số hồ sơ nhận giải quyết"),
    (1, 1, 2, 2, "Tổng số"),
    (1, 0, 3, 4, "Trong kỳ"),
    (2, 0, 3, 3, "Trực tuyến"),
    (2, 0, 4, 4, "Trực tiếp, dịch vụ bưu chính"),
    (1, 1, 5, 5, "Từ kỳ trước"),
    (0, 0, 6, 9, "Số hồ sơ đã giải quyết"),
    (1, 1, 6, 6, "Tổng số"),
    (1, 1, 7, 7, "Trước hạn"),
    (1, 1, 8, 8, "Đúng hạn"),
    (1, 1, 9, 9, "Quá hạn"),
    (0, 0, 10, 12, "Số hồ sơ đang giải quyết"),
    (1, 1, 10, 10, "Tổng số"),
    (1, 1, 11, 11, "Trong hạn"),
    (1, 1, 12, 12, "Quá hạn"),
    (0, 2, 13, 13, "Đã tiếp nhận, rút hoặc dừng giải quyết"),
)
PERIODIC_HEAD_ROW = 5
PERIODIC_FIRST_ROW = PERIODIC_HEAD_ROW + 4  # three header rows and the row of column numbers
PERIODIC_COLUMNS = 14


def periodic_xlsx(
    rows: list[Figures],
    total: Figures,
    period: Period,
    made_at: datetime,
    overdue: Mapping[int, int],
    *,
    reporter: str,
    backlog_on: date | None,
    recipient: str = "",
) -> bytes:
    """The periodic report: one line per agency and the total. `overdue` gives, per agency
    id, the dossiers in progress past their date at the end of the period (`backlog_on`, the
    period's last day; None when the period reaches today and the figures are those of now)."""
    x = _Book()
    sheet = x.book.add_worksheet("Biểu 06a")
    lines = [PeriodicLine.of(f, overdue.get(f.agency, 0)) for f in rows]
    whole = PeriodicLine.of(total, sum(overdue.get(f.agency, 0) for f in rows), TOTAL)
    _periodic_top(sheet, x, period, made_at, reporter, recipient)
    top = PERIODIC_HEAD_ROW
    for offset, down, first_col, last_col, text in _PERIODIC_HEAD:
        if down or first_col != last_col:
            sheet.merge_range(top + offset, first_col, top + offset + down, last_col, text, x.head)
        else:
            sheet.write_string(top + offset, first_col, text, x.head)
    for col in range(PERIODIC_COLUMNS):
        sheet.write_string(top + 3, col, f"({col + 1})", x.number_head)
    row = PERIODIC_FIRST_ROW
    for n, line in enumerate([*lines, whole], start=1):
        bold = line is whole
        if bold:
            sheet.write_blank(row, 0, None, x.total_text)
        else:
            sheet.write_number(row, 0, n, x.index)
        sheet.write_string(row, 1, line.name, x.total_text if bold else x.text)
        for col, value in enumerate(line.cells(), start=2):
            x.number(sheet, row, col, value, "count", bold)
        row += 1
    _periodic_notes(sheet, x, row + 1, period, backlog_on)
    sheet.set_column(0, 0, 5)
    sheet.set_column(1, 1, 34)
    sheet.set_column(2, PERIODIC_COLUMNS - 1, 11)
    sheet.set_row(top + 2, 48)
    sheet.freeze_panes(PERIODIC_FIRST_ROW, 2)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(top, top + 3)
    return x.close()


def _periodic_top(
    sheet: Any, x: _Book, period: Period, made_at: datetime, reporter: str, recipient: str
) -> None:
    sheet.write_string(0, 0, FORM_CODE, x.plain)
    sheet.merge_range(0, 2, 0, 10, PERIODIC_TITLE, x.centered_title)
    sheet.merge_range(1, 2, 1, 10, f"Kỳ báo cáo: {report_period_name(period)}", x.centered_title)
    sheet.merge_range(2, 2, 2, 10, f"({period_text(period)})", x.centered)
    sheet.merge_range(3, 2, 3, 10, made_text(made_at), x.italic)
    sheet.write_string(0, 11, f"- Đơn vị báo cáo: {reporter}", x.plain)
    sheet.write_string(1, 11, f"- Đơn vị nhận báo cáo: {recipient or '…'}", x.plain)
    sheet.write_string(3, 11, UNIT_LINE, x.italic)


def _periodic_notes(
    sheet: Any, x: _Book, row: int, period: Period, backlog_on: date | None
) -> None:
    moment = f"hết ngày {format_date(backlog_on)}" if backlog_on else "thời điểm lấy số liệu"
    notes = (
        "Ghi chú:",
        "(3) = (4) + (5) + (6); (7) = (8) + (9) + (10); (11) = (12) + (13); "
        "(3) = (7) + (11) + (14).",
        "(6): hồ sơ đã tiếp nhận trước ngày "
        f"{format_date(period.first)} mà chưa giải quyết xong, chưa rút, chưa dừng.",
        f"(11) - (13): hồ sơ chưa giải quyết xong tính đến {moment}; quá hạn là đã qua ngày "
        "hẹn trả trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, trừ hồ sơ đang chờ bổ sung.",
        "(14): hồ sơ đã tiếp nhận mà tổ chức, cá nhân rút hoặc cơ quan dừng giải quyết "
        "trong kỳ; cột này không có trong biểu mẫu, thêm vào để các số cộng khớp.",
    )
    for i, text in enumerate(notes):
        sheet.write_string(row + i, 1, text, x.italic if i else x.plain)
