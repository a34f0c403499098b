"""The courier app's API: confirmations that survive a dead zone, and the round as JSON.

The phone queues each confirmation with a client-made idempotency key and replays the queue
when it is back online; the answer to a key is kept, so a replay is applied once. The bodies
are read by the same functions as the round's forms (backend.postal.schemas).
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.params import Body

from backend.access.guards import SignedIn, requires
from backend.access.roles import Role
from backend.lib.i18n import gettext
from backend.postal import confirmations, pickups, queries
from backend.postal.schemas import (
    CollectionBody,
    ConfirmationBody,
    confirmation_key,
    courier_step,
    read_collection,
    read_step,
)


def _doc(body: type) -> str:
    """A body's docstring, which says what each field means, as its OpenAPI description."""
    return inspect.cleandoc(body.__doc__ or "")


def _parcel(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "code": p["code"],
        "state": p["state"],
        "state_label": gettext(p["state_label"]),
        "version": p["version"],
        "attempts": p["attempts"],
        "max_attempts": p["max_attempts"],
        "recipient_name": p["recipient_name"],
        "recipient_phone": p["recipient_phone"],
        "address": ", ".join(x for x in (p["street"], p["ward"], p["province"]) if x),
        "fee_vnd": p["fee_vnd"],
        "payment": p["payment"],
        "actions": [a.value for a in p["actions"]],
    }


class PostalApi(Controller):
    path = "/api/v1/postal"
    tags = ["postal"]
    guards = [requires(Role.POSTAL)]

    @post("/confirmations")
    async def confirm(
        self,
        user: SignedIn,
        data: Annotated[ConfirmationBody, Body(description=_doc(ConfirmationBody))],
    ) -> Response[dict[str, Any]]:
        """Apply one courier step to a parcel: in_transit, out_for_delivery, delivered,
        failed, returned. `key` (required) makes the request safe to repeat."""
        step = courier_step(data.step)
        key = confirmation_key(data.key)
        answer = await confirmations.confirm(
            user, str(data.shipment), step, read_step(dataclasses.asdict(data)), key
        )
        return Response(answer.body, status_code=answer.status_code)

    @post("/pickups/{pickup_id:int}/collection")
    async def collect(
        self,
        user: SignedIn,
        pickup_id: int,
        data: Annotated[CollectionBody, Body(description=_doc(CollectionBody))],
    ) -> Response[dict[str, Any]]:
        """The courier took a paper dossier at the citizen's address: `documents` (the
        required-document ids checked), `proof` (the citizen's signature, a data: URL) and
        `key` (required, makes the request safe to repeat)."""
        key = confirmation_key(data.key)
        answer = await pickups.collect(
            user, pickup_id, read_collection(dataclasses.asdict(data)), key
        )
        return Response(answer.body, status_code=answer.status_code)

    @get(
        "/round",
        description=(
            "The parcels of the courier's post office still on the way (and those finished "
            f"today), grouped by ward: at most {queries.ROUND_LIMIT}, by ward; `total` says "
            "how many the round holds in all."
        ),
    )
    async def round(self, user: SignedIn) -> dict[str, Any]:
        data = await queries.round_for(user)
        return {
            "count": data["count"],
            "total": data["total"],
            "limit": data["limit"],
            "wards": [
                {"ward": g["ward"], "parcels": [_parcel(p) for p in g["parcels"]]}
                for g in data["groups"]
            ],
        }
