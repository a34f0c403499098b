"""An append-only event log as one hash chain.

Each event stores a hash over its own content and the previous event's hash, and a sequence
number without gaps. Changing, deleting or reordering any row breaks the chain from there on,
which `python -m backend.audit verify` detects and names. The hash is an HMAC under a key kept
outside the database (backend.audit.keys), so that writing to the database is not enough to
recompute it; events written before the keys existed keep their plain SHA-256 (key_id ""). The
chain's head is signed now and then (backend.audit.checkpoints), so that even the HMAC key is
not enough to rewrite what a checkpoint covers. Appending takes the chain's head row
under a lock (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the write transaction's lock), so
events from concurrent transactions never fork the chain.

The chain knows events, not what they are about: a domain declares its event table and the
fields that are hashed (`Chain(table, fields)`, e.g. the dossier's history in
backend.dossiers.events) and appends through it. The table needs the columns `seq`,
`prev_hash`, `hash` and `key_id` besides its hashed fields.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from backend.audit.keys import HmacKey, Keyring, keyring
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


@dataclass(frozen=True)
class Anchor:
    """What a signed checkpoint says of a chain: the event at `seq` has `hash`."""

    seq: int
    hash: str
    label: str  # names the checkpoint in a message


class Chain:
    """One hash chain over the rows of `table`, hashing `fields` of each."""

    def __init__(self, table: type[Table], fields: tuple[str, ...], head: int = 1) -> None:
        self.table = table
        self.fields = fields
        self.head = head  # the ChainHead row that holds this chain's end
        self.name = table._meta.tablename  # how checkpoints name the chain

    def _message(self, prev_hash: str, event: dict[str, Any]) -> bytes:
        body = {name: _canonical(event.get(name)) for name in self.fields}
        text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return (prev_hash + "\n" + text).encode()

    def unkeyed_hash(self, prev_hash: str, event: dict[str, Any]) -> str:
        """The hash of the events written before the keys existed (key_id ""): a plain
        SHA-256, which anybody who reads this code can recompute."""
        return hashlib.sha256(self._message(prev_hash, event)).hexdigest()

    def keyed_hash(self, key: HmacKey, prev_hash: str, event: dict[str, Any]) -> str:
        """HMAC-SHA256 under a secret key kept outside the database (backend.audit.keys)."""
        return key.mac(key.id.encode() + b"\n" + self._message(prev_hash, event))

    async def append(self, **event: Any) -> dict[str, Any]:
        """Add one event at the end of the chain (inside the caller's write transaction);
        returns the stored row's values."""
        key = keyring().current
        last_seq, last_hash = await _lock_head(self.head)
        event["seq"] = last_seq + 1
        event["prev_hash"] = last_hash
        event["key_id"] = key.id
        event["hash"] = self.keyed_hash(key, last_hash, event)
        row = self.table(**event)
        await row.save()
        await ChainHead.update(
            {ChainHead.last_seq: event["seq"], ChainHead.last_hash: event["hash"]}
        ).where(ChainHead.id == self.head)
        event["id"] = getattr(row, self.table._meta.primary_key._meta.name)
        return event

    async def current_head(self) -> tuple[int, str]:
        """The last sequence number and hash, as committed (what a checkpoint signs)."""
        head = await ChainHead.select().where(ChainHead.id == self.head).first()
        return (int(head["last_seq"]), str(head["last_hash"])) if head else (0, "")

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

    async def verify(self, anchors: Iterable[Anchor] = ()) -> tuple[int, Break | None]:
        """Walk the chain; return how many events were checked and the first break, if any.
        `anchors` are the signed checkpoints of this chain: each must still hold."""
        walk = _Walk(self, keyring(), list(anchors))
        async for row in self._events():
            reason = walk.step(row)
            if reason is not None:
                return walk.checked, Break(row["id"], row["seq"], reason)
        seq = self.table._meta.get_column_by_name("seq")
        unchained = await self.table.select(self.table._meta.primary_key).where(seq.is_null())
        if unchained:
            return walk.checked, Break(unchained[0]["id"], None, "has no place in the chain")
        head = await ChainHead.select().where(ChainHead.id == self.head).first()
        last = walk.expected_seq - 1
        if head and (head["last_seq"] != last or head["last_hash"] != walk.prev_hash):
            return walk.checked, Break(None, head["last_seq"], "events after this one are missing")
        beyond = [a for a in walk.anchor_list if a.seq > last]
        if beyond:
            return walk.checked, Break(
                None,
                last,
                f"events after this one are missing: {beyond[0].label} covers "
                f"sequence {beyond[0].seq}",
            )
        return walk.checked, None


class _Walk:
    """One pass over a chain: what the next event must be."""

    def __init__(self, chain: Chain, keys: Keyring, anchors: list[Anchor]) -> None:
        self.chain, self.keys, self.anchor_list = chain, keys, anchors
        self.anchors: dict[int, list[Anchor]] = {}
        for anchor in anchors:
            self.anchors.setdefault(anchor.seq, []).append(anchor)
        # Events without a key are the ones written before keys existed: they can only come
        # first, and never after the first signed checkpoint (whose writer already keyed).
        self.first_anchor = min(anchors, key=lambda a: a.seq) if anchors else None
        self.prev_hash, self.expected_seq, self.checked = "", 1, 0
        self.keyed_seen = False

    def step(self, row: dict[str, Any]) -> str | None:
        """Why `row` breaks the chain, or None (and the walk moves on)."""
        if row["seq"] != self.expected_seq:
            return f"expected sequence {self.expected_seq}"
        if row["prev_hash"] != self.prev_hash:
            return "does not follow the previous event"
        reason = self._hash_problem(row) or self._anchor_problem(row)
        if reason is None:
            self.prev_hash, self.expected_seq = row["hash"], self.expected_seq + 1
            self.checked += 1
        return reason

    def _hash_problem(self, row: dict[str, Any]) -> str | None:
        key_id = row["key_id"]
        if not key_id:
            if self.keyed_seen:
                return "has no key, yet an event before it has one"
            if self.first_anchor and row["seq"] > self.first_anchor.seq:
                return f"has no key, yet it comes after {self.first_anchor.label}"
            if self.chain.unkeyed_hash(self.prev_hash, row) != row["hash"]:
                return "content does not match its hash"
            return None
        key = self.keys.get(key_id)
        if key is None:
            return f"is keyed with key {key_id}, which is neither the audit key nor a retired one"
        self.keyed_seen = True
        if self.chain.keyed_hash(key, self.prev_hash, row) != row["hash"]:
            return "content does not match its keyed hash"
        return None

    def _anchor_problem(self, row: dict[str, Any]) -> str | None:
        for anchor in self.anchors.get(row["seq"], ()):
            if anchor.hash != row["hash"]:
                return f"differs from {anchor.label}"
        return None


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
