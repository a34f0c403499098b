"""Complaints (PAKN) about generated dossiers, for bench/generate.py: a few per thousand,
filed after receipt, accepted, answered (a few late) and published, as backend.complaints
writes them (code PAKN-YYMMDD-XXXX, target dates from complaints.deadlines)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from dossier_life import at_local, local

from backend.complaints.deadlines import at_receipt
from backend.dossiers.codes import format_code
from backend.lib.workdays import WorkCalendar

PREFIX = "PAKN"
PUBLISH_DAYS = 2
COLUMNS = [
    "code",
    "kind",
    "conduct",
    "state",
    "version",
    "filer",
    "filer_name",
    "filer_phone",
    "dossier",
    "agency",
    "about_center",
    "official",
    "official_name",
    "content",
    "received_at",
    "accept_due",
    "info_due",
    "answer_due",
    "publish_due",
    "decided_at",
    "reject_reason",
    "paused_at",
    "resume_state",
    "info_requested_at",
    "info_request",
    "info_reply",
    "answer",
    "answered_at",
    "public_question",
    "public_answer",
    "published_at",
]
EVENT_COLUMNS = [
    "complaint",
    "at",
    "actor",
    "actor_role",
    "action",
    "state_from",
    "state_to",
    "note",
]
CONDUCT = ("harassment", "extra_fee", "delay", "other")


def _moment(rng: random.Random, cal: WorkCalendar, after: datetime, days: int) -> datetime:
    day = cal.add_working_days(local(after), days)
    moment = at_local(day, rng.randint(450, 990))
    return moment if moment > after else after + timedelta(minutes=rng.randint(5, 60))


def _one(
    rng: random.Random, cal: WorkCalendar, found: dict[str, Any], now: datetime, seq: dict[str, int]
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    at, d, life = found["at"], found["dossier"], found["life"]
    day = local(at)
    scope = f"{PREFIX}-{day:%y%m%d}"
    seq[scope] = seq.get(scope, 0) + 1
    targets = at_receipt(at, cal)
    kind = "conduct" if rng.random() < 0.6 else "policy"
    leader = life.cast.leaders[d["agency"]][0]
    c: dict[str, Any] = {k: "" for k in COLUMNS}
    c.update(
        code=format_code(PREFIX, day, seq[scope]),
        kind=kind,
        conduct=rng.choice(CONDUCT) if kind == "conduct" else "",
        state="received",
        version=0,
        filer=d["citizen"],
        filer_name=d["applicant_name"],
        filer_phone=d["applicant_phone"],
        dossier=d["id"],
        agency=d["agency"],
        about_center=False,
        official=None,
        content="Hồ sơ của tôi được hẹn trả nhưng chưa nhận được thông báo; đề nghị xem xét.",
        received_at=at,
        accept_due=targets.accept_due,
        info_due=targets.info_due,
        answer_due=targets.answer_due,
        publish_due=None,
        decided_at=None,
        paused_at=None,
        info_requested_at=None,
        answered_at=None,
        published_at=None,
    )
    events: list[tuple[Any, ...]] = [(at, d["citizen"], "filer", "file", "", "received", "")]
    steps: list[tuple[datetime, str, str, dict[str, Any]]] = []
    decided = _moment(rng, cal, at, rng.choice((0, 1, 1, 2)))
    if rng.random() < 0.05:
        reason = "Nội dung không thuộc phạm vi tiếp nhận."
        steps.append(
            (decided, "reject", "rejected", {"decided_at": decided, "reject_reason": reason})
        )
    else:
        answered = _moment(
            rng, cal, decided, rng.randint(3, 13) if rng.random() > 0.05 else rng.randint(16, 20)
        )
        published = _moment(rng, cal, answered, rng.choice((0, 1, 1, 2)))
        answer = "Cơ quan đã kiểm tra và trả kết quả cho công dân; xin tiếp thu ý kiến."
        steps += [
            (decided, "accept", "accepted", {"decided_at": decided}),
            (
                answered,
                "answer",
                "answered",
                {
                    "answered_at": answered,
                    "answer": answer,
                    "publish_due": cal.add_working_days(local(answered), PUBLISH_DAYS),
                },
            ),
            (
                published,
                "publish",
                "published",
                {
                    "published_at": published,
                    "public_answer": answer,
                    "public_question": "Phản ánh về thời gian trả kết quả hồ sơ.",
                },
            ),
        ]
    for when, action, state, changes in steps:
        if when > now:
            break
        events.append(
            (when, leader, "leader", action, c["state"], state, changes.get("reject_reason", ""))
        )
        c.update(changes, state=state, version=c["version"] + 1)
    return c, events


async def write_complaints(
    db: Any, rng: random.Random, cal: WorkCalendar, found: list[dict[str, Any]], now: datetime
) -> dict[str, int]:
    """Inserts them in order of receipt; returns the code sequences used."""
    seq: dict[str, int] = {}
    rows, history = [], {}
    for f in sorted(found, key=lambda f: f["at"]):
        c, events = _one(rng, cal, f, now, seq)
        rows.append(tuple(c[k] for k in COLUMNS))
        history[c["code"]] = (c, events)
    if not rows:
        return seq
    await db.insert("complaint", COLUMNS, rows)
    ids = {r["code"]: r["id"] for r in await db.fetch("SELECT id, code FROM complaint")}
    events, votes = [], []
    for code, (c, evs) in history.items():
        events += [(ids[code], *e) for e in evs]
        if c["state"] == "published" and rng.random() < 0.6:
            at = c["published_at"] + timedelta(hours=rng.randint(1, 72))
            if at <= now:
                votes.append((ids[code], rng.random() < 0.85, at, 0))
    await db.insert("complaint_event", EVENT_COLUMNS, events)
    await db.insert("complaint_vote", ("complaint", "useful", "voted_at", "changes"), votes)
    return seq
