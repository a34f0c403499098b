"""What the rating pages read: the rating card of a dossier, and satisfaction per counter, per
official and per agency, with sample sizes.

A table of percentages is unfair on small samples: 1 vote of 1 is "100%". Each row carries its
size and the lower bound of the 95% Wilson interval of its satisfied share; rows are ranked by
that bound, and rows with fewer than SMALL_SAMPLE votes are marked as not enough to judge.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backend.accounts.tables import User
from backend.catalog.tables import Agency, Counter
from backend.dossiers.tables import Dossier
from backend.lib.errors import NotFound
from backend.lib.i18n import N_
from backend.ratings import scale as scales
from backend.ratings.scale import CRITERIA
from backend.ratings.services import completed, may_change, of_dossier
from backend.ratings.tables import Rating

SMALL_SAMPLE = 30
Z95 = 1.96

# --- the rating card on the citizen's dossier page -------------------------------------------


async def card(dossier: dict[str, Any]) -> dict[str, Any] | None:
    """What the dossier page shows: the invitation, or the rating given."""
    if not completed(dossier):
        return None
    rating = await of_dossier(dossier["id"])
    scale = rating["scale"] if rating else await scales.current()
    return {
        "rating": rating,
        "criteria_given": json.loads(rating["criteria"]) if rating else {},
        "scale": scale,
        "levels": scales.LEVELS[scale],
        "faces": {lvl: scales.face(lvl, scale) for lvl in scales.LEVELS[scale]},
        "criteria": scales.CRITERIA,
        "may_change": rating is None or may_change(rating),
        "low": rating is not None and scales.is_low(rating["level"], rating["scale"]),
    }


async def dossier_card(dossier_id: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The dossier and its card, for the card answered alone after a tap."""
    dossier = await Dossier.select().where(Dossier.id == dossier_id).first()
    if dossier is None:
        raise NotFound(N_("Không tìm thấy hồ sơ này."))
    return dossier, await card(dossier)


# --- satisfaction per counter, official and agency -------------------------------------------


def wilson_lower(satisfied: int, n: int, z: float = Z95) -> float:
    """Lower bound of the Wilson score interval for satisfied/n (0 when n is 0)."""
    if n == 0:
        return 0.0
    p = satisfied / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - margin) / (1 + z * z / n)


@dataclass
class Row:
    key: int | None
    name: str
    # An official's counter number, from its own column (shown "Name — Quầy N"), never read
    # from a suffix of the name.
    desk: int | None = None
    n: int = 0
    satisfied: int = 0
    # Mean of the votes on a 0-100 scale (level 1 = 0, top level = 100), both scales together.
    score_sum: float = 0.0
    bad: dict[str, int] = field(default_factory=dict)  # criterion -> "bad" answers

    @property
    def share(self) -> float:
        return self.satisfied / self.n if self.n else 0.0

    @property
    def lower(self) -> float:
        return wilson_lower(self.satisfied, self.n)

    @property
    def score(self) -> float:
        return self.score_sum / self.n if self.n else 0.0

    @property
    def small(self) -> bool:
        return self.n < SMALL_SAMPLE


def _counter_name(number: int, name: str) -> str:
    if name.startswith(f"Quầy {number}"):
        return name  # the demo's "Quầy 2 – Đất đai, Xây dựng"
    return f"Quầy {number}" + (f" · {name}" if name else "")


def _score(level: int, scale: int) -> float:
    return 100.0 * (level - 1) / (scale - 1)


def aggregate(
    votes: Iterable[dict[str, Any]],
    by: str,
    names: dict[int, str],
    desks: dict[int, int] | None = None,
) -> list[Row]:
    """Group votes (rows with level, scale, satisfied, criteria and the `by` key) into rows
    ranked by the Wilson lower bound, then by size."""
    rows: dict[int | None, Row] = {}
    desks = desks or {}
    for v in votes:
        key = v[by]
        if key is None:
            continue
        row = rows.setdefault(key, Row(key, names.get(key, "—"), desks.get(key)))
        row.n += 1
        row.satisfied += 1 if v["satisfied"] else 0
        row.score_sum += _score(v["level"], v["scale"])
        for criterion, answer in json.loads(v.get("criteria") or "{}").items():
            if answer == "bad" and criterion in CRITERIA:
                row.bad[criterion] = row.bad.get(criterion, 0) + 1
    return sorted(rows.values(), key=lambda r: (-r.lower, -r.n, r.name))


async def satisfaction(since: datetime) -> dict[str, Any]:
    votes = await Rating.select(
        Rating.level,
        Rating.scale,
        Rating.satisfied,
        Rating.criteria,
        Rating.counter,
        Rating.officer,
        Rating.agency,
        Rating.source,
    ).where(Rating.updated_at >= since)
    counters = {
        r["id"]: _counter_name(r["number"], r["name"])
        for r in await Counter.select(Counter.id, Counter.number, Counter.name)
    }
    people = await User.select(User.id, User.full_name, User.counter.number.as_alias("desk"))
    officers = {r["id"]: r["full_name"] for r in people}
    desks = {r["id"]: r["desk"] for r in people if r["desk"] is not None}
    agencies = {r["id"]: r["name"] for r in await Agency.select(Agency.id, Agency.name)}
    total = Row(None, "")
    for v in votes:
        total.n += 1
        total.satisfied += 1 if v["satisfied"] else 0
        total.score_sum += _score(v["level"], v["scale"])
    sources: dict[str, int] = defaultdict(int)
    for v in votes:
        sources[v["source"]] += 1
    return {
        "total": total,
        "sources": dict(sources),
        "by_counter": aggregate(votes, "counter", counters),
        "by_officer": aggregate(votes, "officer", officers, desks),
        "by_agency": aggregate([v for v in votes if v["source"] == "dossier"], "agency", agencies),
        "small_sample": SMALL_SAMPLE,
        "criteria": CRITERIA,
    }
