"""Helpers of the audit anchoring tests: the command line as a child process (as an operator
or an auditor runs it), a dossier with steps, an attacker's rewrite of the chain, and the
chain's tail saved and put back so that the other tests find it intact."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from backend.accounts.tables import User
from backend.audit.tables import ChainHead
from backend.catalog.tables import Procedure
from backend.dossiers import events
from backend.dossiers.tables import Dossier, DossierEvent
from backend.dossiers.workflow import State
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.settings import get_settings
from tests.helpers import ROOT

# Recomputes one event's (key_id, hash) from the previous hash and the row.
Rehash = Callable[[str, dict[str, Any]], tuple[str, str]]


def run_audit(
    *args: str, var_dir: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **env}
    if var_dir is not None:
        environment["VAR_DIR"] = str(var_dir)
    return subprocess.run(
        [sys.executable, "-m", "backend.audit", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def var_copy(target: Path, without: tuple[str, ...] = ()) -> Path:
    """The suite's audit files (keys, retired keys, checkpoints) copied to `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for source in get_settings().var_dir.glob("audit_*"):
        if source.name not in without:
            shutil.copy2(source, target / source.name)
    return target


async def step(dossier_id: int, note: str = "") -> dict[str, Any]:
    """One more event of the dossier at the end of the chain."""
    async with write_transaction():
        return await events.append(
            dossier=dossier_id,
            at=utcnow(),
            action="audit.test",
            state_from=State.RECEIVED.value,
            state_to=State.RECEIVED.value,
            note=note,
        )


async def dossier_with_steps(count: int = 2) -> tuple[int, list[dict[str, Any]]]:
    """A received dossier (made directly, the workflow is not under test) and its events."""
    procedure = await Procedure.select(Procedure.id, Procedure.agency).first()
    citizen = User(
        login=f"audit{uuid.uuid4().hex[:12]}",
        password_hash="-",
        full_name="Kiểm Toán",
        role="citizen",
    )
    await citizen.save()
    now = utcnow()
    dossier = Dossier(
        code=f"AUDIT-{uuid.uuid4().hex[:10].upper()}",
        procedure=procedure["id"],
        agency=procedure["agency"],
        citizen=citizen.id,
        state=State.RECEIVED.value,
        status=int(State.RECEIVED.status),
        channel=1,
        applicant_name="Kiểm Toán",
        created_at=now,
        updated_at=now,
    )
    await dossier.save()
    steps = [await step(dossier.id, f"Bước {n}") for n in range(1, count + 1)]
    return dossier.id, steps


async def rewrite_from(seq: int, edit: dict[str, Any], rehash: Rehash) -> None:
    """The attack: change the event at `seq`, then recompute every hash from there to the
    end with `rehash` and move the head, so that the chain is consistent again."""
    rows = await DossierEvent.select().where(DossierEvent.seq >= seq).order_by(DossierEvent.seq)
    prev = rows[0]["prev_hash"]
    for row in rows:
        if row["seq"] == seq:
            row.update(edit)
        row["prev_hash"] = prev
        row["key_id"], row["hash"] = rehash(prev, row)
        changed = {"prev_hash", "key_id", "hash", *edit}
        await DossierEvent.update({k: row[k] for k in changed}).where(DossierEvent.id == row["id"])
        prev = row["hash"]
    await ChainHead.update({ChainHead.last_seq: rows[-1]["seq"], ChainHead.last_hash: prev}).where(
        ChainHead.id == 1
    )


@asynccontextmanager
async def tail_restored(from_seq: int) -> AsyncIterator[None]:
    """Whatever a test does to the events from `from_seq` on and to the head, they are as
    they were afterwards."""
    saved = await DossierEvent.select().where(DossierEvent.seq >= from_seq)
    head = await ChainHead.select().where(ChainHead.id == 1).first()
    try:
        yield
    finally:
        await DossierEvent.delete().where(DossierEvent.seq >= from_seq)
        for row in saved:
            await DossierEvent.insert(DossierEvent(**row))
        await ChainHead.update(
            {ChainHead.last_seq: head["last_seq"], ChainHead.last_hash: head["last_hash"]}
        ).where(ChainHead.id == 1)
