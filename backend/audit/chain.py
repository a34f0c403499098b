"""An append-only event log as one hash chain.

Each event stores a SHA-256 over its own content and the previous event's hash, and a sequence
number without gaps. Changing, deleting or reordering any row breaks the chain from there on,
which `python -m backend.audit verify` detects and names. Appending takes the chain's head row
under a lock (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the write transaction's lock), so
events from concurrent transactions never fork the chain.

The chain knows events, not what they are about: a domain declares its event table and the
fields that are hashed (`Chain(table, fields)`, e.g. the dossier's history in
backend.dossiers.events) and appends through it. The table needs the columns `seq`,
`prev_hash` and `hash` besides its hashed fields.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from backend.audit.tables import ChainHead
from backend.piccolo_conf import DB


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        # Both engines give back an aware datetime; compare in UTC to the microsecond.
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


@dataclass(frozen=True)
class Break:
    event_id: int | None
    seq: int | None
    reason: str


class Chain:
    """One hash chain over the rows of `table`, hashing `fields` of each."""

    def __init__(self, table: type[Table], fields: tuple[str, ...], head: int = 1) -> None:
        self.table = table
        self.fields = fields
        self.head = head  # the ChainHead row that holds this chain's end

    def event_hash(self, prev_hash: str, event: dict[str, Any]) -> str:
        body = {name: _canonical(event.get(name)) for name in self.fields}
        text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256((prev_hash + "\n" + text).encode()).hexdigest()

    async def append(self, **event: Any) -> dict[str, Any]:
        """Add one event at the end of the chain (inside the caller's write transaction);
        returns the stored row's values."""
        last_seq, last_hash = await _lock_head(self.head)
        event["seq"] = last_seq + 1
        event["prev_hash"] = last_hash
        event["hash"] = self.event_hash(last_hash, event)
        row = self.table(**event)
        await row.save()
        await ChainHead.update(
            {ChainHead.last_seq: event["seq"], ChainHead.last_hash: event["hash"]}
        ).where(ChainHead.id == self.head)
        event["id"] = getattr(row, self.table._meta.primary_key._meta.name)
        return event

    async def _events(self, batch: int = 2000) -> AsyncIterator[dict[str, Any]]:
        """Every event in chain order, a batch at a time (the log grows without bound)."""
        seq = self.table._meta.get_column_by_name("seq")
        after = 0
        while True:
            rows = await self.table.select().where(seq > after).order_by(seq).limit(batch)
            for row in rows:
                yield row
            if len(rows) < batch:
                return
            after = rows[-1]["seq"]

    async def verify(self) -> tuple[int, Break | None]:
        """Walk the chain; return how many events were checked and the first break, if any."""
        prev_hash, expected_seq, checked = "", 1, 0
        async for row in self._events():
            if row["seq"] != expected_seq:
                return checked, Break(row["id"], row["seq"], f"expected sequence {expected_seq}")
            if row["prev_hash"] != prev_hash:
                return checked, Break(row["id"], row["seq"], "does not follow the previous event")
            if self.event_hash(prev_hash, row) != row["hash"]:
                return checked, Break(row["id"], row["seq"], "content does not match its hash")
            prev_hash, expected_seq, checked = row["hash"], expected_seq + 1, checked + 1
        seq = self.table._meta.get_column_by_name("seq")
        unchained = await self.table.select(self.table._meta.primary_key).where(seq.is_null())
        if unchained:
            return checked, Break(unchained[0]["id"], None, "has no place in the chain")
        head = await ChainHead.select().where(ChainHead.id == self.head).first()
        if head and (head["last_seq"] != expected_seq - 1 or head["last_hash"] != prev_hash):
            return checked, Break(None, head["last_seq"], "events after this one are missing")
        return checked, None


async def _lock_head(head: int) -> tuple[int, str]:
    """The chain's end, locked for this transaction. Must run inside a write transaction."""
    await ChainHead.raw(
        "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES ({}, 0, '') "
        "ON CONFLICT (id) DO NOTHING",
        head,
    )
    lock = " FOR UPDATE" if isinstance(DB, PostgresEngine) else ""
    rows = await ChainHead.raw(
        f"SELECT last_seq, last_hash FROM audit_chain_head WHERE id = {{}}{lock}", head
    )
    return int(rows[0]["last_seq"]), str(rows[0]["last_hash"])


_chains: list[Chain] = []


def register(chain: Chain) -> Chain:
    """Make a chain known to `python -m backend.audit verify` (domains do it at start-up)."""
    if chain not in _chains:
        _chains.append(chain)
    return chain


def registered() -> list[Chain]:
    return list(_chains)
