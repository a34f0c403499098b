"""Charts drawn on the server as SVG: no chart library and no script in the browser.

Each function takes plain data and returns the markup of one `<svg>` (a Markup string, safe
to put in a template as it is): a `<title>` and a `<desc>` named by `aria-labelledby`, drawn
in a viewBox 360 units wide so that the text stays readable on a 360 px phone (CSS caps the
width on larger screens, `.chart svg`). Meaning never rests on colour alone: every bar has its
value written beside it, the trend's two series differ by shape (hatched bars, a line with
square markers) and a legend names them; the colours are a blue and an orange that
colour-blind readers tell apart and that stay distinct in grey on paper. Only presentation
attributes are used: the Content-Security-Policy forbids inline styles.

Every page shows the same numbers in a table beside the chart
(frontend/templates/reports/_chart.html).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from markupsafe import Markup, escape

from backend.lib.formatting import format_decimal, format_percent
from backend.lib.i18n import gettext

WIDTH = 360
PAD = 4
FONT = 14  # user units: about 13 px on a 360 px phone, at most ~21 px where CSS caps the width
SMALL = 12
LINE = 17
BAR = 14
VALUE_ROOM = 62  # to the right of the longest bar: "100,0%"
LABEL_CHARS = 40  # a line of agency name at FONT on 352 units
BLUE = "#1f5f8b"
BLUE_LIGHT = "#d4e3ef"
ORANGE = "#b34d00"
TRACK = "#ebe7e5"
INK = "currentColor"  # the page's text colour


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: a share in percent (0-100) or None (nothing to divide, or
    too few to show), and what to write instead of a missing value."""

    label: str
    value: float | None
    note: str = ""


@dataclass(frozen=True)
class Point:
    """One period of a trend: its label under the axis, its longer name (in the bar's
    tooltip), and its counts."""

    label: str
    name: str
    received: int
    on_time: int


def _x(text: object) -> str:
    """Text or attribute value escaped for XML (& < > " ')."""
    return str(escape(str(text)))


def _n(value: float) -> str:
    """A coordinate: short, and never written in the reader's locale."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def short_name(name: str, province: str = "") -> str:
    """An agency's name as a chart label: without what every name repeats ("tỉnh Ninh
    Bình") and without its parenthesis ("(trực thuộc Sở ...)"); the committees of communes
    as "UBND ..." (the usual abbreviation). The table beside the chart keeps the full name."""
    text = re.sub(r"\s*\([^)]*\)", "", name).strip()
    if province:
        text = re.sub(rf"\s+tỉnh\s+{re.escape(province)}$", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^Ủy ban nhân dân\b", "UBND", text)
    return text or name


def wrap(text: str, width: int = LABEL_CHARS, lines: int = 2) -> list[str]:
    """At most `lines` lines of about `width` characters, the last one cut with "…"."""
    parts = textwrap.wrap(text, width) or [""]
    if len(parts) > lines:
        parts = [
            *parts[: lines - 1],
            textwrap.shorten(" ".join(parts[lines - 1 :]), width, placeholder="…"),
        ]
    return parts


def _open(ident: str, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {WIDTH} '
        f'{_n(height)}" width="100%" role="img" aria-labelledby="{_x(ident)}-t {_x(ident)}-d" '
        f'font-size="{FONT}">',
        f'<title id="{_x(ident)}-t">{_x(title)}</title>',
        f'<desc id="{_x(ident)}-d">{_x(desc)}</desc>',
    ]


def share_bars(
    bars: Sequence[Bar | tuple[str, float | None] | tuple[str, float | None, str]],
    *,
    ident: str,
    title: str,
    desc: str,
) -> Markup:
    """Horizontal bars of a share per row (on-time share, satisfied share per agency): the
    name above its bar (long names need the whole width), the value written after it as a
    Vietnamese percentage, a pale track for 100% so that bars compare at a glance."""
    rows = [b if isinstance(b, Bar) else Bar(*b) for b in bars]
    room = WIDTH - 2 * PAD - VALUE_ROOM
    body: list[str] = []
    y = 4.0
    for i, bar in enumerate(rows):
        lines = wrap(bar.label)
        shown = format_percent(bar.value / 100) if bar.value is not None else (bar.note or "—")
        body.append(f'<g class="bar" data-row="{i}">')
        body.append(f"<title>{_x(bar.label)}: {_x(shown)}</title>")
        for line in lines:
            y += LINE
            body.append(f'<text x="{PAD}" y="{_n(y - 4)}" fill="{INK}">{_x(line)}</text>')
        y += 2
        body.append(
            f'<rect x="{PAD}" y="{_n(y)}" width="{room}" height="{BAR}" fill="{TRACK}" '
            f'stroke="#b9b2ae" stroke-width="0.5"/>'
        )
        if bar.value is not None:
            width = room * max(0.0, min(bar.value, 100.0)) / 100
            body.append(
                f'<rect class="value" x="{PAD}" y="{_n(y)}" width="{_n(width)}" '
                f'height="{BAR}" fill="{BLUE}" data-value="{bar.value:.6g}"/>'
            )
            body.append(
                f'<text class="value-text" x="{_n(PAD + room + 4)}" y="{_n(y + BAR - 2)}" '
                f'fill="{INK}" font-weight="bold">{_x(shown)}</text>'
            )
        else:
            body.append(
                f'<text class="value-text missing" x="{PAD + 6}" y="{_n(y + BAR - 3)}" '
                f'fill="{INK}" font-size="{SMALL}" font-style="italic">{_x(shown)}</text>'
            )
        y += BAR + 10
        body.append("</g>")
    if not rows:
        y += LINE
        body.append(f'<text x="{PAD}" y="{_n(y)}" fill="{INK}">—</text>')
        y += 8
    return Markup("".join([*_open(ident, y, title, desc), *body, "</svg>"]))


def _step(top: float) -> float:
    """A round step for about four grid lines: 1, 2 or 5 times a power of ten."""
    raw = max(top, 1) / 4
    power = 10 ** (len(str(int(raw))) - 1)
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return float(m * power)
    return float(10 * power)


def trend(
    points: Sequence[Point],
    *,
    ident: str,
    title: str,
    desc: str,
    received_label: str,
    on_time_label: str,
) -> Markup:
    """Received (hatched bars) and finished on time (a line with square markers) per period,
    on one count axis; a legend above names both."""
    height, top, bottom, left, right = 238.0, 50.0, 208.0, 40.0, WIDTH - 6.0
    highest = max([max(p.received, p.on_time) for p in points] or [0])
    step = _step(highest)
    ceiling = step * max(1, -(-highest // step))
    slot = (right - left) / max(1, len(points))

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * value / ceiling

    out = _open(ident, height, title, desc)
    out.append(
        f'<defs><pattern id="{_x(ident)}-hatch" width="5" height="5" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="5" height="5" fill="{BLUE_LIGHT}"/>'
        f'<line x1="0" y1="0" x2="0" y2="5" stroke="{BLUE}" stroke-width="2"/></pattern></defs>'
    )
    # Legend: a hatched square and a line with a marker, each with its words.
    out.append(
        f'<g class="legend" font-size="{SMALL + 1}">'
        f'<rect x="{PAD}" y="6" width="14" height="12" fill="url(#{_x(ident)}-hatch)" '
        f'stroke="{BLUE}"/><text x="{PAD + 19}" y="16" fill="{INK}">{_x(received_label)}</text>'
        f'<line x1="{PAD}" y1="30" x2="{PAD + 14}" y2="30" stroke="{ORANGE}" stroke-width="2.5"/>'
        f'<rect x="{PAD + 4}" y="27" width="6" height="6" fill="{ORANGE}"/>'
        f'<text x="{PAD + 19}" y="34" fill="{INK}">{_x(on_time_label)}</text></g>'
    )
    out.append(f'<g class="grid" font-size="{SMALL}">')
    value = 0.0
    while value <= ceiling:
        y = y_of(value)
        out.append(
            f'<line x1="{left}" y1="{_n(y)}" x2="{right}" y2="{_n(y)}" stroke="#b9b2ae" '
            f'stroke-width="{1 if value == 0 else 0.5}"/>'
            f'<text x="{left - 4}" y="{_n(y + 4)}" text-anchor="end" fill="{INK}">'
            f"{_x(format_decimal(value, 0))}</text>"
        )
        value += step
    out.append("</g>")
    # Labels under the axis: every one when they fit, else every second or third.
    every = 1 if slot >= 22 else 2 if slot >= 11 else 3
    markers: list[tuple[float, float, Point]] = []
    for i, p in enumerate(points):
        mid = left + slot * (i + 0.5)
        width = max(2.0, slot * 0.6)
        y = y_of(p.received)
        out.append(
            f'<rect class="received" x="{_n(mid - width / 2)}" y="{_n(y)}" width="{_n(width)}" '
            f'height="{_n(bottom - y)}" fill="url(#{_x(ident)}-hatch)" stroke="{BLUE}" '
            f'stroke-width="1" data-value="{p.received}"><title>{_x(p.name)}: '
            f"{_x(received_label)} {_x(format_decimal(p.received, 0))}</title></rect>"
        )
        if i % every == 0:
            out.append(
                f'<text x="{_n(mid)}" y="{_n(bottom + 15)}" text-anchor="middle" '
                f'font-size="{SMALL}" fill="{INK}">{_x(p.label)}</text>'
            )
        markers.append((mid, y_of(p.on_time), p))
    if markers:
        line = " ".join(f"{_n(x)},{_n(y)}" for x, y, _ in markers)
        out.append(
            f'<polyline class="on-time" points="{line}" fill="none" stroke="{ORANGE}" '
            'stroke-width="2.5" stroke-linejoin="round"/>'
        )
        for x, y, p in markers:
            out.append(
                f'<rect class="on-time-point" x="{_n(x - 3.5)}" y="{_n(y - 3.5)}" width="7" '
                f'height="7" fill="{ORANGE}" stroke="#fff" stroke-width="1" '
                f'data-value="{p.on_time}"><title>{_x(p.name)}: {_x(on_time_label)} '
                f"{_x(format_decimal(p.on_time, 0))}</title></rect>"
            )
    out.append("</svg>")
    return Markup("".join(out))


# --------------------------------------------------------------------------- with their tables


@dataclass
class Chart:
    """A chart and the table of the same numbers that goes beside it
    (frontend/templates/reports/_chart.html): column headings and rows of formatted text,
    the first cell of each row being its heading."""

    ident: str
    title: str
    svg: Markup
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""


class FigureRow(Protocol):
    """What the on-time chart reads of a row of figures (backend.reports.queries.Figures)."""

    agency: int
    name: str

    def __getitem__(self, metric: str) -> int: ...

    @property
    def finished(self) -> int: ...


@dataclass(frozen=True)
class Share:
    """A part of a whole for one agency: dossiers on time of those finished, satisfied
    ratings of all its ratings."""

    name: str
    part: int
    whole: int

    def percent(self, minimum: int = 1) -> float | None:
        """In percent, or None when the whole is under `minimum` (nothing, or too few)."""
        return 100 * self.part / self.whole if self.whole and self.whole >= minimum else None


def on_time_shares(rows: Iterable[FigureRow]) -> list[Share]:
    """Per agency of `queries.figures(...)`: finished early or on time, of those finished
    (the row of dossiers with no agency left out)."""
    return [Share(f.name, f["early"] + f["on_time"], f.finished) for f in rows if f.agency]


def _count(value: int) -> str:
    return format_decimal(value, 0)


def _percent(value: float | None) -> str:
    return format_percent(value / 100) if value is not None else "—"


def on_time_chart(shares: Iterable[Share], province: str = "", ident: str = "on-time") -> Chart:
    """On-time share per agency (early and on time, of the dossiers finished in the period)."""
    shares = list(shares)
    title = gettext("Tỷ lệ hồ sơ giải quyết đúng hạn theo cơ quan")
    # A bar per agency that finished something; the table lists them all.
    bars = [Bar(short_name(s.name, province), s.percent()) for s in shares if s.whole]
    desc = gettext(
        "Mỗi thanh là tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn của một cơ quan, trên số "
        "hồ sơ cơ quan đó đã giải quyết trong kỳ."
    )
    shown = [s for s in shares if s.whole]
    if shown:
        low = min(shown, key=lambda s: s.part / s.whole)
        desc += " " + gettext("Thấp nhất: %(name)s, %(share)s.") % {
            "name": low.name,
            "share": _percent(low.percent()),
        }
    note = ""
    if len(shown) < len(shares):
        note = gettext(
            "Cơ quan chưa có hồ sơ giải quyết trong kỳ không có trong biểu đồ (“—” trong bảng)."
        )
    columns = [
        gettext("Cơ quan"),
        gettext("Đã giải quyết"),
        gettext("Trước hạn và đúng hạn"),
        gettext("Tỷ lệ đúng hạn"),
    ]
    return Chart(
        ident,
        title,
        share_bars(bars, ident=ident, title=title, desc=desc),
        columns,
        [[s.name, _count(s.whole), _count(s.part), _percent(s.percent())] for s in shares],
        note=note,
    )


def satisfaction_chart(
    shares: Iterable[Share], minimum: int, province: str = "", ident: str = "satisfaction"
) -> Chart:
    """Satisfied ratings of all ratings per agency; below `minimum` ratings no bar and no
    share, only "too few"."""
    shares = list(shares)
    title = gettext("Tỷ lệ người dân hài lòng theo cơ quan")
    few = gettext("dưới %(n)d lượt đánh giá") % {"n": minimum}
    # A bar per agency that was rated (too few ratings: no bar, "too few" written instead).
    bars = [Bar(short_name(s.name, province), s.percent(minimum), few) for s in shares if s.whole]
    desc = gettext(
        "Mỗi thanh là tỷ lệ lượt đánh giá hài lòng hoặc rất hài lòng về hồ sơ của một cơ quan. "
        "Cơ quan có dưới %(n)d lượt đánh giá không được tính tỷ lệ."
    ) % {"n": minimum}
    columns = [
        gettext("Cơ quan"),
        gettext("Lượt đánh giá"),
        gettext("Hài lòng"),
        gettext("Tỷ lệ hài lòng"),
    ]
    return Chart(
        ident,
        title,
        share_bars(bars, ident=ident, title=title, desc=desc),
        columns,
        [[s.name, _count(s.whole), _count(s.part), _percent(s.percent(minimum))] for s in shares],
        note=gettext(
            "Cơ quan chưa có lượt đánh giá nào không có trong biểu đồ; “—”: dưới %(n)d lượt "
            "đánh giá, chưa đủ để tính tỷ lệ."
        )
        % {"n": minimum},
    )


def trend_chart(points: Sequence[Point], ident: str = "trend") -> Chart:
    """Received and finished on time per week or month."""
    received, on_time = gettext("Tiếp nhận"), gettext("Giải quyết đúng hạn")
    title = gettext("Hồ sơ tiếp nhận và giải quyết đúng hạn theo thời gian")
    desc = gettext(
        "Cột gạch chéo: số hồ sơ tiếp nhận; đường có điểm vuông: số hồ sơ giải quyết trước hạn và đúng hạn, theo từng kỳ."
    )
    if points:
        desc += " " + gettext(
            "Tổng: %(received)s hồ sơ tiếp nhận, %(on_time)s hồ sơ giải quyết đúng hạn."
        ) % {
            "received": _count(sum(p.received for p in points)),
            "on_time": _count(sum(p.on_time for p in points)),
        }
    svg = trend(
        points,
        ident=ident,
        title=title,
        desc=desc,
        received_label=received,
        on_time_label=on_time,
    )
    return Chart(
        ident,
        title,
        svg,
        [gettext("Kỳ"), received, on_time],
        [[p.name, _count(p.received), _count(p.on_time)] for p in points],
    )
