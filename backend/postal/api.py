"""The courier app's API: confirmations that survive a dead zone, and the round as JSON.

The phone queues each confirmation with a client-made idempotency key and replays the queue
when it is back online; the answer to a key is kept, so a replay is applied once.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post

from backend.access.guards import require_user
from backend.access.roles import Role
from backend.lib.errors import UserError
from backend.lib.i18n import N_, gettext
from backend.lib.web import api_error
from backend.postal import lifecycle, pickups, queries
from backend.postal.controllers import collection_input, step_input
from backend.postal.lifecycle import Step


class PostalApi(Controller):
    path = "/api/v1/postal"
    tags = ["postal"]

    @post("/confirmations")
    async def confirm(
        self, request: Request[Any, Any, Any], data: dict[str, Any]
    ) -> Response[dict[str, Any]]:
        """Apply one courier step to a parcel: in_transit, out_for_delivery, delivered,
        failed, returned. `key` (required) makes the request safe to repeat."""
        user = require_user(request, Role.POSTAL)
        step = str(data.get("step", ""))
        key = str(data.get("key", "")).strip()
        if step not in {s.value for s in Step}:
            return api_error(UserError(N_("Bước không hợp lệ."), field="step"))
        if not 8 <= len(key) <= 64:
            return api_error(UserError(N_("Thiếu mã xác nhận (key)."), field="key"))
        answer = await lifecycle.confirm(
            user, str(data.get("shipment", "")), Step(step), step_input(data), key
        )
        return Response(answer.body, status_code=answer.status_code)

    @post("/pickups/{pickup_id:int}/collection")
    async def collect(
        self, request: Request[Any, Any, Any], pickup_id: int, data: dict[str, Any]
    ) -> Response[dict[str, Any]]:
        """The courier took a paper dossier at the citizen's address: `documents` (the
        required-document ids checked), `proof` (the citizen's signature, a data: URL) and
        `key` (required, makes the request safe to repeat)."""
        user = require_user(request, Role.POSTAL)
        key = str(data.get("key", "")).strip()
        if not 8 <= len(key) <= 64:
            return api_error(UserError(N_("Thiếu mã xác nhận (key)."), field="key"))
        answer = await pickups.collect(user, pickup_id, collection_input(data), key)
        return Response(answer.body, status_code=answer.status_code)

    @get("/round")
    async def round(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        user = require_user(request, Role.POSTAL)
        data = await queries.round_for(user)
        return {
            "count": data["count"],
            "wards": [
                {
                    "ward": g["ward"],
                    "parcels": [
                        {
                            "id": p["id"],
                            "code": p["code"],
                            "state": p["state"],
                            "state_label": gettext(p["state_label"]),
                            "version": p["version"],
                            "attempts": p["attempts"],
                            "max_attempts": p["max_attempts"],
                            "recipient_name": p["recipient_name"],
                            "recipient_phone": p["recipient_phone"],
                            "address": ", ".join(
                                x for x in (p["street"], p["ward"], p["province"]) if x
                            ),
                            "fee_vnd": p["fee_vnd"],
                            "payment": p["payment"],
                            "actions": [a.value for a in p["actions"]],
                        }
                        for p in g["parcels"]
                    ],
                }
                for g in data["groups"]
            ],
        }
