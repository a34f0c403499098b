"""What the postal pages show: the citizen's panel on the dossier page, the courier's round,
a parcel for its label or proof."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog.tables import PostOffice, Procedure, RequiredDocument
from backend.dossiers.workflow import State
from backend.lib.errors import NotFound
from backend.lib.i18n import N_
from backend.postal import handover, pickup_handover, pickups, shipments
from backend.postal.lifecycle import (
    CHANGEABLE,
    FAILURE_REASONS,
    ON_ROUND,
    RELATION_LABELS,
    RELATIONS,
    RULES,
    ShipmentState,
    Step,
    may_handle,
)
from backend.postal.tables import Pickup, Shipment
from backend.postal.tariff import PAYMENT_LABELS, tariff

# The center's staff who see every parcel (labels, proofs, handover lists).
CENTER_ROLES = (Role.COUNTER, Role.MANAGER, Role.ADMIN)
# The round is one page that the phone keeps while the courier is out: the finder by code and
# the refresh after each confirmation work on that page. So it is not split into pages but
# bounded: the first ROUND_LIMIT parcels (and pickups) by ward, and the page says how many the
# round holds in all.
ROUND_LIMIT = 200


def _step_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for e in events:
        data = json.loads(e["data"] or "{}")
        rows.append(
            {
                "at": e["at"],
                "action": e["action"],
                "note": e["note"],
                "reason": FAILURE_REASONS.get(data.get("reason", ""), ""),
                "received_by": data.get("received_by", ""),
                "relation": RELATION_LABELS.get(data.get("relation", ""), ""),
                "authorization": data.get("authorization", ""),
                "attempt": data.get("attempt"),
            }
        )
    return rows


async def citizen_panel(dossier: dict[str, Any]) -> dict[str, Any] | None:
    """The postal part of the citizen's dossier page, or None when the post plays no part."""
    proc = (
        await Procedure.select(Procedure.result_delivery)
        .where(Procedure.id == dossier["procedure"])
        .first()
    )
    post_allowed = proc is not None and "post" in proc["result_delivery"].split(",")
    shipment = await shipments.of_dossier(dossier["id"])
    if shipment is None and not post_allowed:
        return None  # the post plays no part in this procedure
    state = ShipmentState(shipment["state"]) if shipment else None
    open_for_choice = (
        State(dossier["state"]) in shipments.OPEN_FOR_CHOICE
        and dossier["result_kind"] != "electronic"
    )
    if not open_for_choice and state in (None, ShipmentState.CANCELLED):
        # Handed over at the counter, electronic, withdrawn...: nothing to offer any more.
        return None
    quotes = await tariff()
    return {
        "shipment": shipment,
        "state": state,
        "steps": _step_rows(await shipments.steps_of(dossier["id"])),
        "may_change": open_for_choice
        and (state is None or state in CHANGEABLE or state is ShipmentState.CANCELLED),
        "may_go_counter": state in (None, ShipmentState.CREATED, ShipmentState.CANCELLED),
        "out_for_delivery": state is ShipmentState.OUT_FOR_DELIVERY,
        "quotes": quotes,
        "payment_labels": PAYMENT_LABELS,
        "relations": RELATION_LABELS,
    }


# --- the courier's round -----------------------------------------------------------------------


def _actions(shipment: dict[str, Any]) -> list[Step]:
    state = ShipmentState(shipment["state"])
    steps = [step for step, rule in RULES.items() if state in rule.sources]
    if state is ShipmentState.FAILED and shipment["attempts"] >= shipment["max_attempts"]:
        steps = [s for s in steps if s is not Step.OUT]
    return steps


def _on_round(post_office_id: int) -> Any:
    """The office's parcels still on the way, and those finished today (they stay on the
    round, so the courier sees the day's work)."""
    return (Shipment.post_office == post_office_id) & (
        Shipment.state.is_in([s.value for s in ON_ROUND])
        | (
            Shipment.state.is_in([ShipmentState.DELIVERED.value, ShipmentState.RETURNED.value])
            & (Shipment.updated_at >= pickups.start_of_today())
        )
    )


async def _parcels(post_office_id: int) -> tuple[list[dict[str, Any]], int, int]:
    """The first ROUND_LIMIT parcels of the round by ward, how many the round holds, and how
    many of them are still to deliver."""
    rows = await (
        Shipment.select(*Shipment.all_columns(), Shipment.dossier.code.as_alias("code"))
        .where(_on_round(post_office_id))
        .order_by(Shipment.ward)
        .order_by(Shipment.id)
        .limit(ROUND_LIMIT + 1)
    )
    for row in rows:
        row["state_label"] = ShipmentState(row["state"]).label
        row["actions"] = _actions(row)
    if len(rows) <= ROUND_LIMIT:
        return rows, len(rows), sum(1 for r in rows if r["actions"])
    # Every parcel still on the way has a step left (a failed one at the limit: the return).
    to_deliver = await Shipment.count().where(
        (Shipment.post_office == post_office_id) & Shipment.state.is_in([s.value for s in ON_ROUND])
    )
    total = await Shipment.count().where(_on_round(post_office_id))
    return rows[:ROUND_LIMIT], total, to_deliver


def _pickups_on_round(post_office_id: int) -> Any:
    return (Pickup.post_office == post_office_id) & (
        (Pickup.state == pickups.BOOKED)
        # Collected today: stays on the round, so the courier sees the day's work.
        | ((Pickup.state == pickups.COLLECTED) & (Pickup.collected_at >= pickups.start_of_today()))
    )


async def _pickups(user: CurrentUser) -> tuple[list[dict[str, Any]], int, int]:
    """Pickups booked with this postal worker's office, with the papers to check (the first
    ROUND_LIMIT by ward), how many the round holds, and how many are still to collect."""
    if user.role is not Role.POSTAL or user.post_office_id is None:
        return [], 0, 0
    office = user.post_office_id
    rows = await (
        Pickup.select(
            *Pickup.all_columns(),
            Pickup.dossier.code.as_alias("code"),
            Pickup.dossier.procedure.as_alias("procedure"),
        )
        .where(_pickups_on_round(office))
        .order_by(Pickup.ward)
        .order_by(Pickup.id)
        .limit(ROUND_LIMIT + 1)
    )
    total = len(rows)
    to_collect = sum(1 for k in rows if k["state"] == pickups.BOOKED)
    if total > ROUND_LIMIT:
        rows = rows[:ROUND_LIMIT]
        total = await Pickup.count().where(_pickups_on_round(office))
        to_collect = await Pickup.count().where(
            (Pickup.post_office == office) & (Pickup.state == pickups.BOOKED)
        )
    await _add_papers(rows)
    return rows, total, to_collect


async def _add_papers(rows: list[dict[str, Any]]) -> None:
    """Each pickup's procedure name and required documents, in two queries for the round."""
    procedures = sorted({r["procedure"] for r in rows}) or [0]
    names = {
        r["id"]: r["name"]
        for r in await Procedure.select(Procedure.id, Procedure.name).where(
            Procedure.id.is_in(procedures)
        )
    }
    documents = await (
        RequiredDocument.select(
            RequiredDocument.id,
            RequiredDocument.name,
            RequiredDocument.required,
            RequiredDocument.procedure,
        )
        .where(RequiredDocument.procedure.is_in(procedures))
        .order_by(RequiredDocument.position)
    )
    for row in rows:
        row["procedure_name"] = names.get(row["procedure"], "")
        row["documents"] = [
            {k: d[k] for k in ("id", "name", "required")}
            for d in documents
            if d["procedure"] == row["procedure"]
        ]


async def round_for(user: CurrentUser) -> dict[str, Any]:
    """The courier's day: parcels of their office still on the way, grouped by ward."""
    rows: list[dict[str, Any]] = []
    total = count = 0
    if user.post_office_id is not None:
        rows, total, count = await _parcels(user.post_office_id)
    groups = [
        {"ward": ward or "—", "parcels": list(parcels)}
        for ward, parcels in groupby(rows, key=lambda r: r["ward"])
    ]
    picks, pickups_total, pickups_open = await _pickups(user)
    return {
        "groups": groups,
        "count": count,
        "shown": len(rows),
        "total": total,
        "limit": ROUND_LIMIT,
        "pending_lists": await handover.pending_for(user),
        "to_hand_in": await pickup_handover.to_hand_in(user),
        "pickup_lists": await pickup_handover.open_lists_of(user),
        "pickups": picks,
        "pickups_open": pickups_open,
        "pickups_total": pickups_total,
        "reasons": FAILURE_REASONS,
        "relations": RELATIONS,
        "payment_labels": PAYMENT_LABELS,
    }


async def card_on_round(user: CurrentUser, code: str) -> str:
    """The id of the round's card for a dossier code (a parcel or a pickup), or ""."""
    day = await round_for(user)
    for group in day["groups"]:
        if any(p["code"] == code for p in group["parcels"]):
            return f"p-{code}"
    return next((f"pk-{k['id']}" for k in day["pickups"] if k["code"] == code), "")


async def office_name(post_office_id: int | None) -> str:
    office = (
        await PostOffice.select(PostOffice.name)
        .where(PostOffice.id == (post_office_id or 0))
        .first()
    )
    return office["name"] if office else ""


# --- a parcel's label and proof ----------------------------------------------------------------


async def parcel_for(user: CurrentUser, shipment_id: int) -> dict[str, Any]:
    """A parcel for its label or proof: the center's staff, the post office holding it, or
    the citizen it is for."""
    row = await (
        Shipment.select(
            *Shipment.all_columns(),
            Shipment.dossier.code.as_alias("code"),
            Shipment.dossier.citizen.as_alias("citizen"),
            Shipment.post_office.name.as_alias("office_name"),
        )
        .where(Shipment.id == shipment_id)
        .first()
    )
    visible = row is not None and (
        user.role in CENTER_ROLES or may_handle(user, row) or row["citizen"] == user.id
    )
    if not visible or row is None:
        raise NotFound(N_("Không tìm thấy bưu gửi này."))
    return row
