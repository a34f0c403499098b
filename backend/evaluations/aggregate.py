"""The results of a period, computed from plain rows (no database, no HTTP).

For each agency:

- cross: the mean of the totals the other agencies gave it, with how many agencies scored it
  (out of how many could: every other agency);
- center: the total the center gave it;
- self: the mean of its officials' self-assessment totals, with how many;
- combined: the weighted mean of those three with the period's percent weights (their sum
  is 100 over the kinds the period includes), for example 40% cross + 40% center + 20% self.
  It is given only when every included kind with a weight above 0 has a figure: a part
  missing would otherwise silently change what the number means.

Self-assessments of officials without an agency (counter officers of the center's one-stop
section) are gathered in a row of their own (agency id None), which has no cross or center
score and therefore no combined score.

Every figure is on the scale of one evaluation's total (the sum of the criteria's maxima);
means are rounded half up to 2 decimals, and the combined score is computed from the rounded
means (that is what the table shows, so a reader can redo the sum).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from backend.lib.i18n import N_

CENT = Decimal("0.01")


class Kind(StrEnum):
    # In the order pages list them.
    CROSS = "cross"
    CENTER = "center"
    SELF = "self"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS: dict[Kind, str] = {
    Kind.CROSS: N_("Đánh giá chéo giữa các cơ quan"),
    Kind.SELF: N_("Tự đánh giá của cán bộ, công chức"),
    Kind.CENTER: N_("Trung tâm chấm điểm cơ quan"),
}


@dataclass(frozen=True)
class Row:
    """One submitted evaluation, as far as the results need it."""

    kind: Kind
    total: Decimal
    target_agency: int | None  # self: the official's agency (None: the one-stop section)
    evaluator_agency: int | None = None  # cross only
    target_user: int | None = None  # self only


@dataclass(frozen=True)
class Weights:
    """Percent weights of the included kinds (a kind left out counts 0)."""

    cross: int = 40
    center: int = 40
    self_eval: int = 20

    def of(self, kind: Kind) -> int:
        return {Kind.CROSS: self.cross, Kind.CENTER: self.center, Kind.SELF: self.self_eval}[kind]


@dataclass
class AgencyFigures:
    agency_id: int | None
    name: str
    cross: Decimal | None = None
    cross_count: int = 0
    cross_expected: int = 0
    center: Decimal | None = None
    self_eval: Decimal | None = None
    self_eval_count: int = 0
    combined: Decimal | None = None


def mean(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def combine(
    parts: dict[Kind, Decimal | None], weights: Weights, kinds: Iterable[Kind]
) -> Decimal | None:
    """The weighted mean of the parts of the included kinds; None when a weighted part is
    missing or no included kind has a weight."""
    total_weight = 0
    acc = Decimal(0)
    for kind in kinds:
        weight = weights.of(kind)
        if weight <= 0:
            continue
        value = parts.get(kind)
        if value is None:
            return None
        acc += value * weight
        total_weight += weight
    if total_weight == 0:
        return None
    return (acc / total_weight).quantize(CENT, rounding=ROUND_HALF_UP)


def aggregate(
    agencies: Sequence[tuple[int, str]],
    rows: Iterable[Row],
    weights: Weights,
    kinds: Iterable[Kind] = (Kind.CROSS, Kind.CENTER, Kind.SELF),
    unattached_name: str = "",
) -> list[AgencyFigures]:
    """Figures per agency, in the order of `agencies`; a last row (agency_id None, named
    `unattached_name`) when some self-assessments come from officials without an agency."""
    kinds = tuple(kinds)
    cross, center, selfs = _by_target(rows, kinds, {agency_id for agency_id, _ in agencies})
    out: list[AgencyFigures] = []
    for agency_id, name in agencies:
        given = list(cross[agency_id].values())
        own = list(selfs[agency_id].values())
        figures = AgencyFigures(
            agency_id=agency_id,
            name=name,
            cross=mean(given) if Kind.CROSS in kinds else None,
            cross_count=len(given),
            cross_expected=len(agencies) - 1 if Kind.CROSS in kinds else 0,
            center=center.get(agency_id),
            self_eval=mean(own),
            self_eval_count=len(own),
        )
        figures.combined = combine(
            {Kind.CROSS: figures.cross, Kind.CENTER: figures.center, Kind.SELF: figures.self_eval},
            weights,
            kinds,
        )
        out.append(figures)
    if selfs.get(None):
        own = list(selfs[None].values())
        out.append(
            AgencyFigures(
                agency_id=None,
                name=unattached_name,
                self_eval=mean(own),
                self_eval_count=len(own),
            )
        )
    return out


def _by_target(
    rows: Iterable[Row], kinds: tuple[Kind, ...], known: set[int]
) -> tuple[
    dict[int, dict[int, Decimal]], dict[int, Decimal], dict[int | None, dict[int | None, Decimal]]
]:
    """The totals of the included kinds by the agency they are about: cross (by evaluating
    agency), center, self (by official; agency None for officials of no known agency)."""
    cross: dict[int, dict[int, Decimal]] = defaultdict(dict)
    center: dict[int, Decimal] = {}
    selfs: dict[int | None, dict[int | None, Decimal]] = defaultdict(dict)
    for row in rows:
        if row.kind not in kinds:
            continue
        if row.kind is Kind.CROSS:
            if (
                row.target_agency in known
                and row.evaluator_agency in known
                and row.evaluator_agency != row.target_agency
            ):
                assert row.target_agency is not None and row.evaluator_agency is not None
                cross[row.target_agency][row.evaluator_agency] = row.total
        elif row.kind is Kind.CENTER:
            if row.target_agency in known:
                assert row.target_agency is not None
                center[row.target_agency] = row.total
        else:
            agency = row.target_agency if row.target_agency in known else None
            selfs[agency][row.target_user] = row.total
    return cross, center, selfs


def ranked(figures: Sequence[AgencyFigures]) -> list[AgencyFigures]:
    """Agencies with a combined score first, highest first; then the rest by name; the
    one-stop section's row (no agency) last."""
    with_score = sorted(
        (f for f in figures if f.agency_id is not None and f.combined is not None),
        key=lambda f: (-(f.combined or 0), f.name),
    )
    without = sorted(
        (f for f in figures if f.agency_id is not None and f.combined is None), key=lambda f: f.name
    )
    return [*with_score, *without, *(f for f in figures if f.agency_id is None)]


# --- who has not submitted yet -----------------------------------------------------------------


@dataclass(frozen=True)
class Official:
    user_id: int
    name: str
    agency_id: int | None
    role: str


@dataclass
class CrossGap:
    """An agency that has not scored every other agency yet."""

    agency_id: int
    name: str
    missing: list[tuple[int, str]]  # the agencies it has not scored yet
    has_leader: bool  # False: no leader account can fill it in


@dataclass
class Missing:
    cross: list[CrossGap] = field(default_factory=list)
    self_eval: list[Official] = field(default_factory=list)
    center: list[tuple[int, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.cross or self.self_eval or self.center)


def missing(
    agencies: Sequence[tuple[int, str]],
    officials: Sequence[Official],
    rows: Iterable[Row],
    kinds: Iterable[Kind] = (Kind.CROSS, Kind.CENTER, Kind.SELF),
) -> Missing:
    """Who still has to submit: per agency the agencies it has not scored (cross), the
    officials without a self-assessment (self), the agencies the center has not scored."""
    kinds = tuple(kinds)
    scored: dict[int | None, set[int | None]] = defaultdict(set)
    centered: set[int | None] = set()
    assessed: set[int | None] = set()
    for row in rows:
        if row.kind is Kind.CROSS:
            scored[row.evaluator_agency].add(row.target_agency)
        elif row.kind is Kind.CENTER:
            centered.add(row.target_agency)
        else:
            assessed.add(row.target_user)
    out = Missing()
    if Kind.CROSS in kinds:
        leaders = {o.agency_id for o in officials if o.role == "leader"}
        for agency_id, name in agencies:
            gap = [
                (other, other_name)
                for other, other_name in agencies
                if other != agency_id and other not in scored[agency_id]
            ]
            if gap:
                out.cross.append(CrossGap(agency_id, name, gap, agency_id in leaders))
    if Kind.SELF in kinds:
        out.self_eval = [o for o in officials if o.user_id not in assessed]
    if Kind.CENTER in kinds:
        out.center = [(a, name) for a, name in agencies if a not in centered]
    return out
