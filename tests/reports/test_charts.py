"""Charts drawn on the server (backend.reports.charts): well-formed SVG with a title and a
text alternative, one bar per agency with its value written as a Vietnamese percentage,
names escaped, and a trend whose bars and points are the data (issue 13)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from backend.reports.charts import (
    Bar,
    Point,
    Share,
    on_time_chart,
    on_time_shares,
    satisfaction_chart,
    share_bars,
    short_name,
    trend,
    trend_chart,
    wrap,
)
from backend.reports.queries import Figures
from backend.reports.trend import buckets, points

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    return root


def classed(root: ET.Element, tag: str, name: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if name in (e.get("class") or "").split()]


def text(e: ET.Element) -> str:
    return "".join(e.itertext())


def assert_accessible(root: ET.Element, title: str) -> None:
    """role="img", named by its <title> and described by its <desc>, in this order."""
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 360 ")
    assert root.get("width") == "100%"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    (found_title,) = [e for e in root if e.tag == f"{SVG}title"]
    (found_desc,) = [e for e in root if e.tag == f"{SVG}desc"]
    assert (found_title.get("id"), found_desc.get("id")) == (title_id, desc_id)
    assert found_title.text == title
    assert (found_desc.text or "").strip()


def test_one_bar_per_agency_with_its_value_as_a_vietnamese_percentage() -> None:
    svg = share_bars(
        [
            ("Sở Tư pháp", 64.6),
            ("Sở Xây dựng", 100.0),
            Bar("Sở Y tế", None, "chưa có"),
            ("Thuế", 0),
        ],
        ident="t",
        title="Tỷ lệ đúng hạn",
        desc="Mô tả",
    )
    root = parse(svg)
    assert_accessible(root, "Tỷ lệ đúng hạn")
    groups = classed(root, "g", "bar")
    assert len(groups) == 4
    values = [text(classed(g, "text", "value-text")[0]) for g in groups]
    assert values == ["64,6%", "100,0%", "chưa có", "0,0%"]
    # The bars' lengths are the shares: 64.6% of the longest possible (100%).
    widths = {text(g.find(f"{SVG}text")): g for g in groups}  # type: ignore[arg-type]
    full = float(classed(widths["Sở Xây dựng"], "rect", "value")[0].get("width", ""))
    part = float(classed(widths["Sở Tư pháp"], "rect", "value")[0].get("width", ""))
    assert part / full == pytest.approx(0.646, abs=0.001)
    assert classed(widths["Sở Y tế"], "rect", "value") == []  # no value: no bar


def test_a_name_with_markup_characters_is_escaped() -> None:
    name = 'Sở <b>"Thử"</b> & Cộng sự'
    svg = share_bars([(name, 50.0)], ident='x"y', title="<tiêu đề>", desc="a & b")
    assert "<b>" not in str(svg)
    root = parse(svg)  # well-formed XML
    assert text(classed(root, "g", "bar")[0].find(f"{SVG}text")) == name  # type: ignore[arg-type]
    assert root.find(f"{SVG}title").text == "<tiêu đề>"  # type: ignore[union-attr]
    chart = on_time_chart([Share("<&> Sở", 1, 2)])
    assert chart.rows[0][0] == "<&> Sở"  # the template escapes the table (autoescape)
    parse(chart.svg)


def test_long_agency_names_are_shortened_and_wrapped() -> None:
    land = "Văn phòng Đăng ký đất đai tỉnh Ninh Bình (trực thuộc Sở Nông nghiệp và Môi trường)"
    assert short_name(land, "Ninh Bình") == "Văn phòng Đăng ký đất đai"
    assert short_name("Sở Tư pháp tỉnh Ninh Bình", "Ninh Bình") == "Sở Tư pháp"
    assert short_name("Ủy ban nhân dân phường Hoa Lư") == "UBND phường Hoa Lư"
    lines = wrap("Ban Quản lý các khu công nghiệp và khu kinh tế trọng điểm phía Nam " * 2, 40)
    assert len(lines) == 2 and all(len(line) <= 40 for line in lines)
    assert lines[1].endswith("…")


def test_the_trend_bars_and_points_are_the_data() -> None:
    data = [
        Point("T1", "Tháng 1", 120, 100),
        Point("T2", "Tháng 2", 0, 0),
        Point("T3", "Tháng 3", 57, 60),
    ]
    svg = trend(
        data,
        ident="tr",
        title="Xu hướng",
        desc="d",
        received_label="Tiếp nhận",
        on_time_label="Đúng hạn",
    )
    root = parse(svg)
    assert_accessible(root, "Xu hướng")
    bars = classed(root, "rect", "received")
    marks = classed(root, "rect", "on-time-point")
    assert [int(b.get("data-value", "")) for b in bars] == [120, 0, 57]
    assert [int(m.get("data-value", "")) for m in marks] == [100, 0, 60]
    # Heights are proportional to the counts, on one axis for both series.
    base = float(bars[0].get("y", "")) + float(bars[0].get("height", ""))
    unit = float(bars[0].get("height", "")) / 120
    assert float(bars[2].get("height", "")) == pytest.approx(57 * unit, abs=0.1)
    (line,) = classed(root, "polyline", "on-time")
    ys = [float(p.split(",")[1]) for p in (line.get("points") or "").split()]
    assert [base - y for y in ys] == pytest.approx([100 * unit, 0, 60 * unit], abs=0.1)
    xs = [float(p.split(",")[0]) for p in (line.get("points") or "").split()]
    assert xs == sorted(xs)  # in the order of the periods
    labels = [text(t) for t in root.iter(f"{SVG}text")]
    assert {"T1", "T2", "T3", "Tiếp nhận", "Đúng hạn"} <= set(labels)


def test_an_empty_trend_and_empty_bars_still_draw() -> None:
    parse(trend([], ident="e", title="t", desc="d", received_label="a", on_time_label="b"))
    parse(share_bars([], ident="e2", title="t", desc="d"))


def test_the_on_time_chart_reads_the_figures() -> None:
    a = Figures(1, "Sở A", {"early": 3, "on_time": 5, "late": 2})
    b = Figures(2, "Sở B", {"received": 4})
    nobody = Figures(0, "—", {"late": 7})
    shares = on_time_shares([a, b, nobody])
    assert shares == [Share("Sở A", 8, 10), Share("Sở B", 0, 0)]
    chart = on_time_chart(shares, ident="ot")
    root = parse(chart.svg)
    values = [text(classed(g, "text", "value-text")[0]) for g in classed(root, "g", "bar")]
    assert values == ["80,0%"]  # Sở B finished nothing: no bar, a row of the table
    assert chart.rows == [["Sở A", "10", "8", "80,0%"], ["Sở B", "0", "0", "—"]]


def test_satisfaction_below_the_minimum_sample_has_no_bar() -> None:
    chart = satisfaction_chart(
        [Share("Sở A", 29, 30), Share("Sở B", 29, 29), Share("Sở C", 0, 0)], minimum=30
    )
    groups = classed(parse(chart.svg), "g", "bar")
    assert len(groups) == 2  # Sở C has no rating at all: in the table only
    assert [len(classed(g, "rect", "value")) for g in groups] == [1, 0]
    assert text(classed(groups[1], "text", "value-text")[0]) == "dưới 30 lượt đánh giá"
    assert [r[3] for r in chart.rows] == ["96,7%", "—", "—"]


def test_trend_points_by_month_and_by_week() -> None:
    days = {date(2026, 1, 5): (10, 3), date(2026, 1, 31): (2, 1), date(2026, 3, 1): (7, 7)}
    months = points(days, date(2026, 1, 1), date(2026, 4, 30))
    assert [(p.label, p.received, p.on_time) for p in months] == [
        ("T1", 12, 4),
        ("T2", 0, 0),
        ("T3", 7, 7),
        ("T4", 0, 0),
    ]
    assert months[0].name == "Tháng 1/2026"
    # A month: weeks from Monday, cut at the month's ends.
    weeks = buckets(date(2026, 1, 1), date(2026, 1, 31))
    assert weeks[0] == (date(2026, 1, 1), date(2026, 1, 4))
    assert weeks[-1] == (date(2026, 1, 26), date(2026, 1, 31))
    by_week = points(days, date(2026, 1, 1), date(2026, 1, 31))
    assert [p.received for p in by_week] == [0, 10, 0, 0, 2]
    assert by_week[1].label == "05/01"
    chart = trend_chart(by_week)
    assert [r[1] for r in chart.rows] == ["0", "10", "0", "0", "2"]
