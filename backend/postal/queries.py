"""What the postal pages show: the citizen's panel on the dossier page, the courier's round."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from backend.access.user import CurrentUser
from backend.catalog.tables import Procedure
from backend.dossiers.workflow import State
from backend.postal import handover, pickups, shipments
from backend.postal.lifecycle import (
    CHANGEABLE,
    FAILURE_REASONS,
    ON_ROUND,
    RELATIONS,
    RULES,
    ShipmentState,
    Step,
)
from backend.postal.tables import Shipment
from backend.postal.tariff import PAYMENT_LABELS, tariff


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
                "relation": RELATIONS.get(data.get("relation", ""), ""),
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
        "relations": RELATIONS,
    }


def _actions(shipment: dict[str, Any]) -> list[Step]:
    state = ShipmentState(shipment["state"])
    steps = [step for step, rule in RULES.items() if state in rule.sources]
    if state is ShipmentState.FAILED and shipment["attempts"] >= shipment["max_attempts"]:
        steps = [s for s in steps if s is not Step.OUT]
    return steps


async def round_for(user: CurrentUser) -> dict[str, Any]:
    """The courier's day: parcels of their office still on the way, grouped by ward."""
    rows: list[dict[str, Any]] = []
    if user.post_office_id is not None:
        rows = await (
            Shipment.select(
                *Shipment.all_columns(),
                Shipment.dossier.code.as_alias("code"),
            )
            .where(
                (Shipment.post_office == user.post_office_id)
                & (
                    Shipment.state.is_in([s.value for s in ON_ROUND])
                    # Finished today: stays on the round, so the courier sees the day's work.
                    | (
                        Shipment.state.is_in(
                            [ShipmentState.DELIVERED.value, ShipmentState.RETURNED.value]
                        )
                        & (Shipment.updated_at >= pickups.start_of_today())
                    )
                )
            )
            .order_by(Shipment.ward)
            .order_by(Shipment.id)
        )
    for row in rows:
        row["state_label"] = ShipmentState(row["state"]).label
        row["actions"] = _actions(row)
    groups = [
        {"ward": ward or "—", "parcels": list(parcels)}
        for ward, parcels in groupby(rows, key=lambda r: r["ward"])
    ]
    return {
        "groups": groups,
        "count": sum(1 for r in rows if r["actions"]),
        "pending_lists": await handover.pending_for(user),
        "pickups": (picks := await pickups.waiting_for(user)),
        "pickups_open": sum(1 for k in picks if k["state"] == pickups.BOOKED),
        "reasons": FAILURE_REASONS,
        "relations": RELATIONS,
        "payment_labels": PAYMENT_LABELS,
    }
