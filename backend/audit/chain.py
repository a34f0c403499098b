"""The dossier event log as one hash chain.

Each event stores a SHA-256 over its own content and the previous event's hash, and a sequence
number without gaps. Changing, deleting or reordering any row breaks the chain from there on,
which `python -m backend.audit verify` detects and names. Appending takes the chain's head row
under a lock (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the write transaction's lock), so
events from concurrent transactions never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from backend.dossiers.tables import AuditHead, DossierEvent
from backend.piccolo_conf import DB

HASHED_FIELDS = (
    "seq",
    "dossier",
    "at",
    "actor",
    "actor_role",
    "agency_code",
    "action",
    "from_status",
    "to_status",
    "state_from",
    "state_to",
    "note",
    "data",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        # Both engines give back an aware datetime; compare in UTC to the microsecond.
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def event_hash(prev_hash: str, event: dict[str, Any]) -> str:
    body = {name: _canonical(event.get(name)) for name in HASHED_FIELDS}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "\n" + text).encode()).hexdigest()


async def _lock_head() -> tuple[int, str]:
    """The chain's end, locked for this transaction. Must run inside a write transaction."""
    await AuditHead.raw(
        "INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, '') "
        "ON CONFLICT (id) DO NOTHING"
    )
    lock = " FOR UPDATE" if isinstance(DB, PostgresEngine) else ""
    rows = await AuditHead.raw(f"SELECT last_seq, last_hash FROM audit_head WHERE id = 1{lock}")
    return int(rows[0]["last_seq"]), str(rows[0]["last_hash"])


async def append(**fields: Any) -> dict[str, Any]:
    """Add one event at the end of the chain; returns the stored row's values."""
    last_seq, last_hash = await _lock_head()
    event = {
        "note": "",
        "data": "{}",
        "actor": None,
        "actor_role": "",
        "agency_code": "",
        "from_status": None,
        "state_from": "",
        "state_to": "",
        **fields,
    }
    event["seq"] = last_seq + 1
    event["prev_hash"] = last_hash
    event["hash"] = event_hash(last_hash, event)
    row = DossierEvent(**event)
    await row.save()
    await AuditHead.update(
        {AuditHead.last_seq: event["seq"], AuditHead.last_hash: event["hash"]}
    ).where(AuditHead.id == 1)
    event["id"] = row.id
    return event


@dataclass(frozen=True)
class Break:
    event_id: int | None
    seq: int | None
    reason: str


async def _events(batch: int = 2000) -> AsyncIterator[dict[str, Any]]:
    """Every event in chain order, a batch at a time (the log grows without bound)."""
    after = 0
    while True:
        rows = (
            await DossierEvent.select()
            .where(DossierEvent.seq > after)
            .order_by(DossierEvent.seq)
            .limit(batch)
        )
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = rows[-1]["seq"]


async def verify() -> tuple[int, Break | None]:
    """Walk the chain; return how many events were checked and the first break, if any."""
    prev_hash, expected_seq, checked = "", 1, 0
    async for row in _events():
        if row["seq"] != expected_seq:
            return checked, Break(row["id"], row["seq"], f"expected sequence {expected_seq}")
        if row["prev_hash"] != prev_hash:
            return checked, Break(row["id"], row["seq"], "does not follow the previous event")
        if event_hash(prev_hash, row) != row["hash"]:
            return checked, Break(row["id"], row["seq"], "content does not match its hash")
        prev_hash, expected_seq, checked = row["hash"], expected_seq + 1, checked + 1
    unchained = await DossierEvent.count().where(DossierEvent.seq.is_null())
    if unchained:
        first = await DossierEvent.select(DossierEvent.id).where(DossierEvent.seq.is_null()).first()
        return checked, Break(first["id"] if first else None, None, "has no place in the chain")
    head = await AuditHead.select().where(AuditHead.id == 1).first()
    if head and (head["last_seq"] != expected_seq - 1 or head["last_hash"] != prev_hash):
        return checked, Break(None, head["last_seq"], "events after this one are missing")
    return checked, None
